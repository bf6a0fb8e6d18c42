"""POST /.search (RFC 7644 §3.4.3): a SearchRequest body instead of query parameters, on a
resource type or across Users and Groups."""

from .conftest import GROUP, scim_error, user_body

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _search(okta, path, **body):
    response = okta.post(path, {"schemas": [SEARCH], **body})
    assert response.status_code == 200, response.content
    return response.json()


def test_search_on_users_and_groups_and_across_both(world, okta):
    ada = okta.post("Users", user_body("ada@acme.test", externalId="x-ada")).json()["id"]
    group = okta.post("Groups", {"schemas": [GROUP], "displayName": "Support", "externalId": "x-g"})
    gid = group.json()["id"]
    found = _search(
        okta, "Users/.search", filter='userName eq "ada@acme.test"', attributes=["userName"]
    )
    assert found["Resources"] == [
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": ada,
            "userName": "ada@acme.test",
        }
    ]
    groups = _search(
        okta, "Groups/.search", filter='displayName eq "support"', excludedAttributes=["members"]
    )
    assert [g["id"] for g in groups["Resources"]] == [gid]
    # Across both: externalId is an attribute of each.
    both = _search(okta, ".search", filter='externalId eq "x-ada" or externalId eq "x-g"')
    assert both["totalResults"] == 2 and [r["id"] for r in both["Resources"]] == [ada, gid]
    # userName is a User attribute only: Groups match nothing, Users still answer.
    only_users = _search(okta, ".search", filter='userName eq "ada@acme.test"')
    assert [r["id"] for r in only_users["Resources"]] == [ada]
    # Paging runs over the concatenation (Users first).
    members = _search(okta, "Users/.search")["totalResults"]
    page = _search(okta, ".search", startIndex=members, count=2)
    assert page["totalResults"] == members + 1
    assert [r["id"] for r in page["Resources"]][-1] == gid and len(page["Resources"]) == 2


def test_bad_searches(world, okta):
    scim_error(okta.post(".search", {"filter": 'userName eq "a"'}), 400, "invalidSyntax")
    body = {"schemas": [SEARCH], "filter": 'userName co "a"'}
    scim_error(okta.post(".search", body), 400, "invalidFilter")
    scim_error(
        okta.post("Users/.search", {"schemas": [SEARCH], "attributes": "userName"}),
        400,
        "invalidValue",
    )
    scim_error(okta.get("Users/.search"), 405)
