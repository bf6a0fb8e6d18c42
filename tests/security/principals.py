"""Everyone who can knock on a route, in one world: Acme's members in every role, a custom role,
another organization's Admin, an ingest key, an archived member's token and session,
"unverified": an agent in Billing whose address is not verified (it counts for nothing: it links
no calls, so routes treat them as the agent they are, except where the address itself matters),
and two Acme Admins whose tokens no longer work: "expired" (past its expiry) and "stale" (minted
before the password changed). Their browser sessions still work: on pages they are Admins."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.db import transaction
from django.test import Client
from django.utils import timezone

from callstudio.access.policy import org_access, team_access
from callstudio.access.services import role_create
from callstudio.accounts.mfa_services import totp_begin
from callstudio.accounts.models import PersonalToken
from callstudio.accounts.services import password_change, token_create
from callstudio.calls.ingest import ingest_one
from callstudio.calls.schemas import CallIn
from callstudio.calls.services import ingest_key_create
from callstudio.directory.services import (
    invitation_create,
    org_member_add,
    org_member_revoke,
    team_member_add,
)
from callstudio.pipeline.analysis import analyze_pending
from callstudio.rules.models import Alert
from callstudio.rules.services import alert_rule_create, automation_create, tracker_create
from callstudio.scim.actor import scim_org_access
from callstudio.scim.groups import clean_group, create_group
from callstudio.scim.tokens import scim_token_create
from callstudio.scim.user_services import create_user
from callstudio.scim.users import clean_user
from callstudio.sso.models import OrgDomain, SsoConnection
from tests.calls.conftest import call_body
from tests.conftest import PASSWORD, build_world, person
from tests.idp.saml.harness import sample_metadata

from ..access.matrix import MATRIX

MEMBERS = ["admin", "manager", "member", "supervisor", "agent", "qa", "unverified"]
PRINCIPALS = [
    "anonymous",
    *MEMBERS,
    "foreign_admin",
    "ingest_key",
    "archived",
    "expired",
    "stale",
]
# Principals whose bearer token is refused (401 on every API route) but whose session is an
# Acme Admin's.
DEAD_TOKENS = ("expired", "stale")
QA = frozenset({"team.read", "team.members.read", "calls.read.all"})
INVITED = "second-address@elsewhere.test"
TEAM_ROLE = {"supervisor": "supervisor", "agent": "agent", "unverified": "agent"}


def held(who: str) -> frozenset[str]:
    """What a member holds in Acme and in Billing, from the role matrix (tests/access)."""
    org_role = {"admin": "admin", "manager": "manager"}.get(who, "member")
    team = QA if who == "qa" else MATRIX.get(TEAM_ROLE.get(who, ""), frozenset())
    return MATRIX[org_role] | team


def held_in_org(who: str) -> frozenset[str]:
    """What a member's org role alone grants (for org-wide views such as the overview)."""
    return MATRIX[{"admin": "admin", "manager": "manager"}.get(who, "member")]


@pytest.fixture
def targets(world):
    """The objects routes act on, in Acme."""
    return build_targets(world)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One world and its targets for a whole module of matrix tests, which only send requests:
    built once inside a transaction that each test's own transaction nests in (as a savepoint
    rolled back after the test), and rolled back when the module ends. Building them for every
    case was most of the route matrix's time."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # as Django's TestCase marks its own: durable blocks nest
        outer.__enter__()
        try:
            w = build_world()
            built = (w, build_targets(w))
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def build_targets(world) -> dict:
    admin = org_access(world["admin"].account, world.org.id)
    former = person("former@acme.test")
    org_member_add(access=admin, account_id=former.account_id)
    org_member_revoke(access=admin, account_id=former.account_id)
    archived = person("archived@acme.test")
    org_member_add(access=admin, account_id=archived.account_id)
    org_member_revoke(access=admin, account_id=archived.account_id)
    world.people["archived"] = archived
    unverified = person("unverified@acme.test", verified=False)
    org_member_add(access=admin, account_id=unverified.account_id)
    team_member_add(
        access=team_access(admin, world.team.id), account_id=unverified.account_id, role="agent"
    )
    world.people["unverified"] = unverified
    expired = person("expired@acme.test")
    org_member_add(access=admin, account_id=expired.account_id, role="admin")
    PersonalToken.objects.filter(account=expired.account).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    world.people["expired"] = expired
    stale = person("stale@acme.test")
    org_member_add(access=admin, account_id=stale.account_id, role="admin")
    password_change(
        account=stale.account, current_password=PASSWORD, new_password="a-new-test-password-52"
    )
    token_create(account=stale.account, name="minted after the change")
    world.people["stale"] = stale
    for who in [*MEMBERS, "foreign_admin", "archived", *DEAD_TOKENS]:
        # A session of each person's (another browser), for the session routes to act on.
        UserSession.objects.create(
            user=world[who].account, ip="192.0.2.7", user_agent="Firefox", session_key=f"s-{who}"
        )
    spare = role_create(access=admin, name="Spare", scope="team", permissions=["team.read"])
    key, raw = ingest_key_create(access=admin, name="matrix")
    scim_token, _ = scim_token_create(access=admin, name="matrix")
    call_id, _ = ingest_one(team=world.team, call=CallIn.model_validate(call_body("matrix-call")))
    in_team = team_access(admin, world.team.id)
    rule = alert_rule_create(
        access=in_team,
        name="Refunds",
        condition={"type": "keyword", "phrases": ["refund"]},
        webhook_url="https://hooks.acme.test/alerts",
    )
    automation = automation_create(
        access=in_team,
        name="Tag long calls",
        trigger="call.ingested",
        conditions=[{"type": "duration_above", "seconds": 30}],
        actions=[{"type": "add_tag", "tag": "long"}],
    )
    tracker = tracker_create(access=in_team, name="Refund talk", query="refund")
    analyze_pending()  # raises the rule's alert on the call, counts it for the tracker
    # An authenticator-app setup waiting for its first code (accounts.PendingTOTP).
    totp_begin(account=former.account)
    # Addressed to a verified second address of Globex's Admin: they alone may accept it.
    EmailAddress.objects.create(
        user=world["foreign_admin"].account, email=INVITED, verified=True, primary=False
    )
    invitation, invitation_token = invitation_create(
        access=admin, email=INVITED, teams=[{"team": world.team.id, "role": "agent"}]
    )
    # Acme's verified email domain (verified by DNS in tests/sso/test_domains.py).
    domain = OrgDomain.objects.create(
        organization=world.org, domain="acme.test", txt_record="matrix", verified_at=timezone.now()
    )
    _globex_sso_and_scim(world)
    return {
        "domain": domain.domain,
        "invitation": invitation.id,
        "invitation_token": invitation_token,
        "former": former.account_id,
        "spare_role": spare.id,
        "key": key.id,
        "raw_key": raw,
        "scim_token": scim_token.id,
        "call": call_id,
        "rule": rule.id,
        "automation": automation.id,
        "tracker": tracker.id,
        "alert": Alert.objects.get(rule=rule, call_id=call_id).id,
    }


def _globex_sso_and_scim(world) -> None:
    """An SSO connection and SCIM-provisioned rows (a user in a group) in Globex, so that every
    table of ours holds a row the denial checks compare, while Acme's routes answer as the
    table in routes.py says (Acme has no SSO connection)."""
    globex = org_access(world["foreign_admin"].account, world.foreign_org.id)
    SsoConnection.objects.create(
        organization=world.foreign_org,
        protocol=SsoConnection.SAML,
        idp_metadata_xml=sample_metadata("https://idp.globex.test/saml"),
    )
    token, _ = scim_token_create(access=globex, name="Okta")
    as_idp = scim_org_access(token)
    user = clean_user(
        {"userName": "provisioned@globex.test", "emails": [{"value": "provisioned@globex.test"}]}
    )
    member = create_user(as_idp, token, user)
    group = {"displayName": "Globex Support", "members": [{"value": member.account.account_id}]}
    create_group(as_idp, token, clean_group(group))


def client_for(world, targets, who: str, *, ui: bool):
    """A Django test client acting as `who`: a session for pages, a bearer token for the API."""
    client = Client()
    headers = {}
    if who == "ingest_key":
        headers["Authorization"] = f"Bearer {targets['raw_key']}"
    elif who != "anonymous":
        if ui:
            client.force_login(world[who].account)
        else:
            headers["Authorization"] = f"Bearer {world[who].token}"
    return client, headers


def own_token_id(world, who: str) -> str:
    if who in ("anonymous", "ingest_key"):
        return "tok_none"
    return (
        PersonalToken.objects.filter(account=world[who].account, revoked_at__isnull=True)
        .values_list("id", flat=True)
        .first()
    )


def own_session_id(world, who: str) -> str:
    if who in ("anonymous", "ingest_key"):
        return "0"
    # The one made above; in a real browser's sign-in (the e2e tests) allauth purges that row
    # (no such session in the store) and the browser's own session takes its place.
    pk = (
        UserSession.objects.filter(user=world[who].account)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return str(pk or 0)
