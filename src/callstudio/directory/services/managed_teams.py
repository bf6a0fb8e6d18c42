"""Teams managed by an identity provider (PRODUCT §8.2). A team that SCIM created from a group
has `managed_by` set (the name of the SCIM token, e.g. "Okta"): the IdP owns its members, its
name and its existence, so a change made by hand would be undone by the next push, or worse,
silently disagree with the group. Those changes are refused (409 `managed_by_idp`) with a detail
naming the IdP and saying where to make the change; the SCIM server passes `as_idp=<ScimToken>`.

What stays by hand: the description, the workflow ID and members' agent IDs (none of them is
something a SCIM group carries).

`as_idp` is duck-typed (a `scim.ScimToken`: `organization_id`, `name`): `directory` sits below
`scim` in the layers (scim's server calls these services), so it cannot import the model."""

from callstudio.core.errors import Conflict, NotFound

WHERE = {
    "members": "change its members in the identity provider.",
    "name": "rename its group in the identity provider.",
    "archive": "it is archived when its group is deleted in the identity provider.",
    "unarchive": "it follows its group in the identity provider, which deleted it.",
    "invite": "invite people to it through the identity provider's group.",
}


def managed_by_idp_detail(team, what: str = "members") -> str:
    return f"This team is managed by {team.managed_by}: {WHERE[what]}"


def ensure_hand_change_allowed(team, *, as_idp=None, what: str = "members", field=None) -> None:
    """409 `managed_by_idp` when `team` is IdP-managed and the change does not come from the
    IdP. With `as_idp`, the token must be one of the team's organization (a token of another
    organization finds no team there: 404, as for every other tenant's id)."""
    if as_idp is not None:
        if as_idp.organization_id != team.organization_id:
            raise NotFound("Team not found.")
        return
    if team.managed_by:
        raise Conflict(managed_by_idp_detail(team, what), field=field, code="managed_by_idp")
