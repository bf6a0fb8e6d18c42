"""Bad input answered with SCIM error bodies (RFC 7644 §3.12): the right status and scimType,
`application/scim+json`, and nothing stored."""

import pytest

from tests.helpers import assert_unchanged, fingerprint

from .conftest import PATCH_OP, USER, scim_error, user_body


@pytest.fixture
def ada(okta):
    response = okta.post("Users", user_body("ada@acme.test"))
    assert response.status_code == 201
    return response.json()["id"]


@pytest.mark.parametrize(
    "expression",
    [
        "userName eq",
        'userName eq "a" and',
        '((userName eq "a")',
        'userName "a"',
        'userName eq "unterminated',
        'emails[value eq "a"',
    ],
)
def test_malformed_filters_are_invalid_filter(world, okta, expression):
    scim_error(okta.get("Users", filter=expression), 400, "invalidFilter")


@pytest.mark.parametrize(
    "expression",
    [
        'userName co "a"',
        'userName sw "a"',
        'userName ne "a"',
        "userName pr",
        'not (userName eq "a")',
        'title eq "boss"',
        'name.givenName eq "Ada"',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"',
    ],
)
def test_unsupported_operators_and_attributes_are_invalid_filter(world, okta, expression):
    body = scim_error(okta.get("Users", filter=expression), 400, "invalidFilter")
    assert "supported" in body["detail"]


def test_group_filters_too(world, okta):
    scim_error(okta.get("Groups", filter='displayName co "a"'), 400, "invalidFilter")
    scim_error(okta.get("Groups", filter="displayName eq"), 400, "invalidFilter")


@pytest.mark.parametrize(
    "operations, scim_type",
    [
        ([{"op": "replace", "path": "title", "value": "x"}], "invalidPath"),
        ([{"op": "add", "path": "phoneNumbers", "value": [{"value": "1"}]}], "invalidPath"),
        ([{"op": "replace", "path": "name.middleName", "value": "x"}], "invalidPath"),
        ([{"op": "replace", "path": "id", "value": "acc_x"}], "invalidPath"),
        ([{"op": "replace", "value": {"nickName": "x"}}], "invalidPath"),
        ([{"op": "replace", "path": "userName[[", "value": "x"}], "invalidPath"),
        (
            [
                {
                    "op": "replace",
                    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                    "value": "x",
                }
            ],
            "invalidPath",
        ),
        ([{"op": "remove"}], "noTarget"),
        (
            [
                {
                    "op": "replace",
                    "path": 'emails[display eq "nothing"]',
                    "value": {"value": "z@acme.test"},
                }
            ],
            "noTarget",
        ),
        ([{"op": "move", "path": "displayName", "value": "x"}], "invalidSyntax"),
        ([], "invalidSyntax"),
        ([{"op": "replace", "path": "active", "value": "maybe"}], "invalidValue"),
        ([{"op": "replace", "path": "userName", "value": ""}], "invalidValue"),
        ([{"op": "remove", "path": "active"}], "mutability"),
        (
            [
                {"op": "replace", "path": "displayName", "value": "ok"},
                {"op": "replace", "path": "nope", "value": 1},
            ],
            "invalidPath",
        ),
    ],
)
def test_bad_patches_change_nothing(world, okta, ada, operations, scim_type):
    before = fingerprint()
    scim_error(okta.patch(f"Users/{ada}", operations), 400, scim_type)
    assert_unchanged(before, operations)


def test_a_patch_without_its_schema_is_invalid_syntax(world, okta, ada):
    before = fingerprint()
    body = {"Operations": [{"op": "replace", "path": "displayName", "value": "x"}]}
    scim_error(okta.request("PATCH", f"Users/{ada}", body), 400, "invalidSyntax")
    assert_unchanged(before, "no schema")


def test_bodies_that_are_not_json_objects(world, okta):
    before = fingerprint()
    scim_error(okta.post("Users", "{not json"), 400, "invalidSyntax")
    scim_error(okta.post("Users", "[1, 2]"), 400, "invalidSyntax")
    response = okta.client.post(
        okta.base + "Users",
        data="userName=x",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {okta.raw}"},
    )
    scim_error(response, 415)
    scim_error(okta.post("Users", {"schemas": [USER], "active": True}), 400, "invalidValue")
    scim_error(
        okta.post("Users", {"schemas": [USER], "userName": "not-an-address"}), 400, "invalidValue"
    )
    scim_error(
        okta.post("Users", user_body("ada@acme.test", active="perhaps")), 400, "invalidValue"
    )
    scim_error(
        okta.post(
            "Users",
            user_body(
                "bob@acme.test",
                emails=[
                    {"value": "a@x.test", "primary": True},
                    {"value": "b@x.test", "primary": True},
                ],
            ),
        ),
        400,
        "invalidValue",
    )
    assert_unchanged(before, "bad bodies")


def test_unknown_endpoints_methods_and_ids(world, okta):
    scim_error(okta.get("Bananas"), 404)
    scim_error(okta.get("Users/acc_nobody/extra"), 404)
    scim_error(okta.get("Schemas/urn:nope"), 404)
    scim_error(okta.get("ResourceTypes/Banana"), 404)
    response = okta.post("ServiceProviderConfig", {"x": 1})
    scim_error(response, 405)
    assert response["Allow"] == "GET"
    scim_error(okta.request("PATCH", "Users", {"schemas": [PATCH_OP], "Operations": []}), 405)
    scim_error(okta.post(".search", {}), 400, "invalidSyntax")  # no SearchRequest schema


def test_bad_paging_parameters(world, okta):
    scim_error(okta.get("Users", count="many"), 400, "invalidValue")
    scim_error(okta.get("Users", startIndex="x"), 400, "invalidValue")
    scim_error(
        okta.get("Users", attributes="userName", excludedAttributes="emails"), 400, "invalidSyntax"
    )


def test_a_body_over_a_megabyte_is_413(world, okta):
    before = fingerprint()
    for size in (1_100_000, 3_000_000):  # ours, then over Django's own upload limit
        body = user_body("big@acme.test", displayName="x" * size)
        scim_error(okta.post("Users", body), 413)
    assert_unchanged(before, "too large")
