"""The one table: every route of the API and of the pages, every method, with what each principal
must get. A route missing here fails the suite (test_route_matrix.py enumerates them)."""

from dataclasses import dataclass, field

from tests.idp.saml.harness import sample_metadata

from .principals import DEAD_TOKENS, MEMBERS, held, held_in_org


@dataclass(frozen=True)
class Rule:
    """`kind`: public (no auth), account (any personal token / signed-in person), org (a member of
    Acme with `perm` — any of them when a tuple), ingest (an ingest key). `ok` is the status on
    success; `body` the request body. `org_wide`: only the org role counts (a team role's
    permissions do not reach an organization-wide view)."""

    kind: str
    ok: int
    perm: tuple = ()
    body: dict = field(default_factory=dict)
    team_page: bool = False
    org_wide: bool = False
    # Principals whose answer is not the kind's rule: e.g. the only Admin leaving gets 409.
    overrides: dict = field(default_factory=dict)

    def expected(self, who: str, *, ui: bool) -> int:
        if who in DEAD_TOKENS:
            # A dead token is 401 wherever a token is needed; the same person's browser session
            # is an Admin's.
            if not ui and self.kind not in ("public", "ingest"):
                return 401
            if ui:
                who = "admin"
        if who in self.overrides:
            return self.overrides[who]
        if self.kind == "public":
            return self.ok
        if self.kind == "ingest":
            return self.ok if who == "ingest_key" else 401
        if who in ("anonymous", "ingest_key"):
            return 302 if ui else 401
        if self.kind == "account":
            return self.ok
        if who in ("foreign_admin", "archived"):
            return 404
        perms = held_in_org(who) if self.org_wide else held(who)
        if self.team_page and "team.read" not in perms:
            return 403
        return self.ok if any(p in perms for p in self.perm) else 403


def public(ok, overrides=None, **body):
    return Rule("public", ok, body=body, overrides=overrides or {})


def account(ok, overrides=None, **body):
    return Rule("account", ok, body=body, overrides=overrides or {})


def org(perm, ok, team_page=False, org_wide=False, overrides=None, **body):
    return Rule(
        "org",
        ok,
        perm=(perm,) if isinstance(perm, str) else perm,
        body=body,
        team_page=team_page,
        org_wide=org_wide,
        overrides=overrides or {},
    )


def ingest(ok, **body):
    return Rule("ingest", ok, body=body)


ANY_MEMBER = "org.read"
CALL = {"external_id": "new-call", "started_at": "2026-11-20T10:00:00Z", "duration_seconds": 60}
CALLS_READ = ("calls.read.all", "calls.read.own")
ANALYTICS_READ = ("analytics.read.all", "analytics.read.own")
LONG = {"type": "duration_above", "seconds": 600}

# The matrix's invitation is addressed to Globex's Admin (a verified address): only they may
# accept it; any other signed-in person is the wrong account (403).
NOT_INVITED = {who: 403 for who in (*MEMBERS, "archived")}

# A SAML connection the matrix may save (the OIDC one needs its IdP's discovery document).
IDP_METADATA = sample_metadata("https://idp.acme.test/saml", "https://idp.acme.test/sso")

API = {
    "POST /api/v1/accounts": public(
        201, email="new@acme.test", password="a long passphrase 7", name="New"
    ),
    "POST /api/v1/auth/tokens": public(
        201, email="member@acme.test", password="a-long-test-password-91"
    ),
    "GET /api/v1/auth/tokens": account(200),
    "DELETE /api/v1/auth/tokens/{token_id}": account(204),
    "GET /api/v1/me": account(200),
    "POST /api/v1/me/mfa/totp": account(200),
    # Nothing is waiting to be confirmed, nothing is enabled: a conflict that changes nothing.
    "POST /api/v1/me/mfa/totp/confirm": account(409, code="123456"),
    "DELETE /api/v1/me/mfa/totp": account(409, code="123456"),
    # A wrong key is 410 for everyone: no principal verifies anything without the mailed key.
    "POST /api/v1/accounts/verify-email": public(410, key="not-a-key"),
    # Every other principal's address is verified (409); the unverified one gets a new link.
    "POST /api/v1/me/email/resend-verification": account(409, overrides={"unverified": 202}),
    "GET /api/v1/me/sessions": account(200),
    "DELETE /api/v1/me/sessions/{session_id}": account(204),
    "POST /api/v1/me/password": account(
        204, current_password="a-long-test-password-91", new_password="a-new-test-password-77"
    ),
    "GET /api/v1/me/security-log": account(200),
    "POST /api/v1/orgs": account(201, name="Mine"),
    "GET /api/v1/orgs": account(200),
    "GET /api/v1/permissions": account(200),
    "GET /api/v1/orgs/{org}": org(ANY_MEMBER, 200),
    "PATCH /api/v1/orgs/{org}": org("org.manage", 200, name="Acme", default_role="member"),
    # A GET's body is its query string (test_route_matrix._send).
    "GET /api/v1/orgs/{org}/access": org("org.members.read", 200, account="{member}"),
    "GET /api/v1/orgs/{org}/members": org("org.members.read", 200),
    "POST /api/v1/orgs/{org}/invitations": org(
        "org.members.add", 201, email="invited@elsewhere.test"
    ),
    "GET /api/v1/orgs/{org}/invitations": org("org.members.add", 200),
    "POST /api/v1/orgs/{org}/invitations/{invitation_id}/resend": org("org.members.add", 200),
    "DELETE /api/v1/orgs/{org}/invitations/{invitation_id}": org("org.members.add", 200),
    "POST /api/v1/invitations/{token}/accept": account(200, overrides=NOT_INVITED),
    # Acme has three Admins here (admin, expired, stale), so the Admin may leave too; the last
    # Admin's 409 is tested in tests/invitations.
    "DELETE /api/v1/me/orgs/{org}": org(ANY_MEMBER, 200),
    "POST /api/v1/orgs/{org}/members": org("org.members.add", 201, account_id="{outsider}"),
    "PATCH /api/v1/orgs/{org}/members/{account_id}": org("org.members.roles", 200, role="member"),
    "DELETE /api/v1/orgs/{org}/members/{account_id}": org("org.members.revoke", 200),
    "POST /api/v1/orgs/{org}/members/{account_id}/restore": org("org.members.restore", 200),
    "GET /api/v1/orgs/{org}/teams": org(ANY_MEMBER, 200),
    "POST /api/v1/orgs/{org}/teams": org("teams.create", 201, name="Escalations"),
    "GET /api/v1/orgs/{org}/teams/{team}": org("team.read", 200),
    "PATCH /api/v1/orgs/{org}/teams/{team}": org("team.manage", 200, description="changed"),
    "POST /api/v1/orgs/{org}/teams/{team}/rotate-workflow-id": org("team.manage", 200),
    "POST /api/v1/orgs/{org}/teams/{team}/archive": org("team.manage", 200),
    "POST /api/v1/orgs/{org}/teams/{team}/unarchive": org("team.manage", 200),
    "GET /api/v1/orgs/{org}/teams/{team}/members": org("team.members.read", 200),
    "POST /api/v1/orgs/{org}/teams/{team}/members": org(
        "team.members.manage", 201, account_id="{member}", role="agent"
    ),
    "PATCH /api/v1/orgs/{org}/teams/{team}/members/{account_id}": org(
        "team.members.manage", 200, role="agent"
    ),
    "DELETE /api/v1/orgs/{org}/teams/{team}/members/{account_id}": org("team.members.manage", 204),
    "GET /api/v1/orgs/{org}/roles": org(ANY_MEMBER, 200),
    "POST /api/v1/orgs/{org}/roles": org(
        "org.roles.manage", 201, name="Listener", scope="team", permissions=["team.read"]
    ),
    "PATCH /api/v1/orgs/{org}/roles/{role}": org("org.roles.manage", 200, description="spare"),
    "DELETE /api/v1/orgs/{org}/roles/{role}": org("org.roles.manage", 204),
    "GET /api/v1/orgs/{org}/audit-log": org("org.audit.read", 200),
    "GET /api/v1/orgs/{org}/domains": org("org.manage", 200),
    "POST /api/v1/orgs/{org}/domains": org("org.manage", 201, domain="new.acme.test"),
    "GET /api/v1/orgs/{org}/domains/{domain}": org("org.manage", 200),
    # The target domain is verified already: verifying again answers without a DNS lookup.
    "POST /api/v1/orgs/{org}/domains/{domain}/verify": org("org.manage", 200),
    "DELETE /api/v1/orgs/{org}/domains/{domain}": org("org.manage", 204),
    "GET /api/v1/orgs/{org}/api-keys": org("org.keys.manage", 200),
    # SSO (h1): the matrix's Acme has no connection, so DELETE finds none (404 no_sso).
    "GET /api/v1/orgs/{org}/sso": org("org.manage", 200),
    "PUT /api/v1/orgs/{org}/sso": org(
        "org.manage", 200, protocol="saml", idp_metadata_xml=IDP_METADATA, jit=True
    ),
    "DELETE /api/v1/orgs/{org}/sso": org("org.manage", 404),
    "POST /api/v1/orgs/{org}/api-keys": org("org.keys.manage", 201, name="PBX"),
    "DELETE /api/v1/orgs/{org}/api-keys/{key_id}": org("org.keys.manage", 204),
    "GET /api/v1/orgs/{org}/scim-tokens": org("org.manage", 200),
    "POST /api/v1/orgs/{org}/scim-tokens": org("org.manage", 201, name="Okta"),
    "DELETE /api/v1/orgs/{org}/scim-tokens/{scim_token}": org("org.manage", 204),
    "GET /api/v1/orgs/{org}/teams/{team}/calls": org(CALLS_READ, 200, team_page=True),
    # Every member may search: the answer holds only the calls their roles let them read.
    "GET /api/v1/orgs/{org}/search": org(ANY_MEMBER, 200, q="cancel"),
    # The call is the (verified) agent's: the other agent, unverified, reads own calls only.
    "GET /api/v1/orgs/{org}/teams/{team}/calls/{call}": org(
        CALLS_READ, 200, team_page=True, overrides={"unverified": 404}
    ),
    "POST /api/v1/orgs/{org}/teams/{team}/calls/{call}/archive": org(
        "calls.archive", 200, team_page=True
    ),
    "POST /api/v1/orgs/{org}/teams/{team}/calls/{call}/unarchive": org(
        "calls.archive", 200, team_page=True
    ),
    "GET /api/v1/orgs/{org}/teams/{team}/analytics": org(ANALYTICS_READ, 200, team_page=True),
    "GET /api/v1/orgs/{org}/analytics": org("analytics.read.all", 200, org_wide=True),
    "GET /api/v1/orgs/{org}/teams/{team}/alert-rules": org("alerts.read", 200, team_page=True),
    "POST /api/v1/orgs/{org}/teams/{team}/alert-rules": org(
        "alerts.manage", 201, team_page=True, name="Long calls", condition=LONG
    ),
    "PATCH /api/v1/orgs/{org}/teams/{team}/alert-rules/{rule}": org(
        "alerts.manage", 200, team_page=True, name="Refund mentions"
    ),
    "DELETE /api/v1/orgs/{org}/teams/{team}/alert-rules/{rule}": org(
        "alerts.manage", 204, team_page=True
    ),
    "GET /api/v1/orgs/{org}/teams/{team}/alerts": org("alerts.read", 200, team_page=True),
    "POST /api/v1/orgs/{org}/teams/{team}/alerts/{alert}/acknowledge": org(
        "alerts.manage", 200, team_page=True
    ),
    "POST /api/v1/orgs/{org}/teams/{team}/alerts/{alert}/resolve": org(
        "alerts.manage", 200, team_page=True
    ),
    "GET /api/v1/orgs/{org}/teams/{team}/automations": org("automations.read", 200, team_page=True),
    "POST /api/v1/orgs/{org}/teams/{team}/automations": org(
        "automations.manage",
        201,
        team_page=True,
        name="Archive short calls",
        trigger="call.ingested",
        conditions=[{"type": "duration_below", "seconds": 5}],
        actions=[{"type": "archive_call"}],
    ),
    "PATCH /api/v1/orgs/{org}/teams/{team}/automations/{automation}": org(
        "automations.manage", 200, team_page=True, enabled=False
    ),
    "DELETE /api/v1/orgs/{org}/teams/{team}/automations/{automation}": org(
        "automations.manage", 204, team_page=True
    ),
    "GET /api/v1/orgs/{org}/teams/{team}/webhook-deliveries": org(
        ("automations.read", "alerts.manage"), 200, team_page=True
    ),
    "GET /api/v1/orgs/{org}/teams/{team}/trackers": org(ANALYTICS_READ, 200, team_page=True),
    "POST /api/v1/orgs/{org}/teams/{team}/trackers": org(
        "alerts.manage", 201, team_page=True, name="Churn", query="cancel* OR churn"
    ),
    "PATCH /api/v1/orgs/{org}/teams/{team}/trackers/{tracker}": org(
        "alerts.manage", 200, team_page=True, name="Refund mentions"
    ),
    "DELETE /api/v1/orgs/{org}/teams/{team}/trackers/{tracker}": org(
        "alerts.manage", 204, team_page=True
    ),
    "POST /api/v1/workflows/{workflow_id}/calls": ingest(201, **CALL),
    "POST /api/v1/workflows/{workflow_id}/calls/stream": ingest(200),
}

TEAM = "o/<str:org_id>/teams/<str:team_id>/"
# The automation form's fields: condition rows c0.., action rows a0.. (web/rule_forms.py).
AUTOMATION_FORM = {
    "name": "Archive short calls",
    "trigger": "call.ingested",
    "enabled": "on",
    "c0-type": "duration_below",
    "c0-seconds": "5",
    "a0-type": "archive_call",
}
UI = {
    "GET ": public(302),
    "GET healthz": public(200),
    "GET readyz": public(200),
    # Token-gated (CALLSTUDIO_METRICS_TOKEN, unset here): not there for anyone, signed in or not.
    "GET metrics": public(404),
    "GET welcome": account(200),
    "POST welcome": account(302, name="Side project"),
    "GET profile": account(200),
    "GET profile/security": account(200),
    "POST profile": account(302, name="laptop"),
    "GET profile/tokens/<str:token_id>/revoke": account(200),
    "POST profile/tokens/<str:token_id>/revoke": account(302),
    "GET profile/sessions": account(200),
    "GET profile/sessions/<str:session_id>/revoke": account(200),
    "POST profile/sessions/<str:session_id>/revoke": account(302),
    "GET profile/sessions/revoke-others": account(200),
    "POST profile/sessions/revoke-others": account(302),
    "GET profile/activity": account(200),
    "GET o/<str:org_id>/": org(ANY_MEMBER, 200),
    "GET o/<str:org_id>/teams/new": org("teams.create", 200),
    "POST o/<str:org_id>/teams/new": org("teams.create", 302, name="Escalations", description=""),
    "GET o/<str:org_id>/organization": org(ANY_MEMBER, 200),
    # Search: a member who may read calls in some team, by either role (the body: its query).
    "GET o/<str:org_id>/search": org(CALLS_READ, 200, q="refund"),
    "GET o/<str:org_id>/settings": org("org.manage", 200),
    "GET o/<str:org_id>/settings/domains": org("org.manage", 200),
    "POST o/<str:org_id>/settings/domains": org("org.manage", 302, domain="new.acme.test"),
    "POST o/<str:org_id>/settings/domains/<str:domain>/verify": org("org.manage", 302),
    "POST o/<str:org_id>/settings/domains/<str:domain>/remove": org("org.manage", 302),
    "POST o/<str:org_id>/settings": org("org.manage", 302, name="Acme", default_role="member"),
    "GET o/<str:org_id>/settings/sso": org("org.manage", 200),
    "POST o/<str:org_id>/settings/sso": org(
        "org.manage", 302, protocol="saml", idp_metadata_xml=IDP_METADATA, default_role="member"
    ),
    "GET o/<str:org_id>/settings/sso/delete": org("org.manage", 404),
    "POST o/<str:org_id>/settings/sso/delete": org("org.manage", 302),
    # Sign in with SSO: open to anyone. No domain of the matrix is verified (422 on the form)
    # and Acme has no connection (404).
    "GET sso/": public(200),
    "POST sso/": public(422, email="member@acme.test"),
    "GET sso/<str:org_id>/login": public(404),
    "POST sso/<str:org_id>/login": public(404),
    "GET o/<str:org_id>/settings/provisioning": org("org.manage", 200),
    "POST o/<str:org_id>/settings/provisioning": org("org.manage", 302, name="Okta"),
    "POST o/<str:org_id>/settings/provisioning/team-role": org(
        "org.manage", 302, scim_team_role="supervisor"
    ),
    "GET o/<str:org_id>/settings/provisioning/tokens/<str:scim_token_id>/revoke": org(
        "org.manage", 200
    ),
    "POST o/<str:org_id>/settings/provisioning/tokens/<str:scim_token_id>/revoke": org(
        "org.manage", 302
    ),
    "GET o/<str:org_id>/members": org("org.members.read", 200),
    "GET o/<str:org_id>/members/<str:account_id>/access": org("org.members.read", 200),
    "GET o/<str:org_id>/members/add": org("org.members.add", 200),
    "GET o/<str:org_id>/members/invite": org("org.members.add", 200),
    "POST o/<str:org_id>/members/invite": org(
        "org.members.add", 302, email="invited@elsewhere.test", role="member"
    ),
    "POST o/<str:org_id>/invitations/<str:invitation_id>/resend": org("org.members.add", 302),
    "GET o/<str:org_id>/invitations/<str:invitation_id>/revoke": org("org.members.add", 200),
    "POST o/<str:org_id>/invitations/<str:invitation_id>/revoke": org("org.members.add", 302),
    "GET profile/orgs": account(200),
    "GET profile/orgs/<str:org_id>/leave": org(ANY_MEMBER, 200),
    "POST profile/orgs/<str:org_id>/leave": org(ANY_MEMBER, 302),
    "GET invitations/<str:token>": public(200, overrides=NOT_INVITED),
    "POST invitations/<str:token>": account(302, overrides=NOT_INVITED),
    "POST o/<str:org_id>/members/add": org(
        "org.members.add", 302, account_id="{outsider}", role="member"
    ),
    "POST o/<str:org_id>/members/<str:account_id>/role": org(
        "org.members.roles", 302, role="member"
    ),
    "GET o/<str:org_id>/members/<str:account_id>/revoke": org("org.members.revoke", 200),
    "POST o/<str:org_id>/members/<str:account_id>/revoke": org("org.members.revoke", 302),
    "GET o/<str:org_id>/members/<str:account_id>/restore": org("org.members.restore", 200),
    "POST o/<str:org_id>/members/<str:account_id>/restore": org("org.members.restore", 302),
    # The page a restore redirects to; the matrix's target is still archived, so it leads back
    # to the restore confirmation.
    "GET o/<str:org_id>/members/<str:account_id>/restored": org("org.members.restore", 302),
    "GET o/<str:org_id>/roles": org(ANY_MEMBER, 200),
    "GET o/<str:org_id>/roles/new": org("org.roles.manage", 200),
    "POST o/<str:org_id>/roles/new": org(
        "org.roles.manage",
        302,
        name="Listener",
        scope="team",
        description="",
        permissions=["team.read"],
    ),
    "GET o/<str:org_id>/roles/<str:role_id>/edit": org("org.roles.manage", 200),
    "POST o/<str:org_id>/roles/<str:role_id>/edit": org(
        "org.roles.manage",
        302,
        name="Spare 2",
        scope="team",
        description="",
        permissions=["team.read"],
    ),
    "GET o/<str:org_id>/roles/<str:role_id>/delete": org("org.roles.manage", 200),
    "POST o/<str:org_id>/roles/<str:role_id>/delete": org("org.roles.manage", 302),
    "GET o/<str:org_id>/audit-log": org("org.audit.read", 200),
    "GET o/<str:org_id>/api-keys": org("org.keys.manage", 200),
    "POST o/<str:org_id>/api-keys": org("org.keys.manage", 302, name="PBX", scope="all"),
    "GET o/<str:org_id>/api-keys/<str:key_id>/revoke": org("org.keys.manage", 200),
    "POST o/<str:org_id>/api-keys/<str:key_id>/revoke": org("org.keys.manage", 302),
    f"GET {TEAM}": org("team.read", 200),
    f"GET {TEAM}calls": org(CALLS_READ, 200, team_page=True),
    f"GET {TEAM}calls/<str:call_id>": org(
        CALLS_READ, 200, team_page=True, overrides={"unverified": 404}
    ),
    f"POST {TEAM}calls/<str:call_id>/archive": org(
        "calls.archive", 302, team_page=True, archived="1"
    ),
    f"GET {TEAM}analytics": org(("analytics.read.all", "analytics.read.own"), 200, team_page=True),
    f"GET {TEAM}analytics/calls.csv": org(ANALYTICS_READ, 200, team_page=True),
    f"GET {TEAM}analytics/figures.csv": org(ANALYTICS_READ, 200, team_page=True),
    f"POST {TEAM}trackers/new": org(
        "alerts.manage", 302, team_page=True, name="Churn", query="cancel* OR churn"
    ),
    f"GET {TEAM}trackers/<str:tracker_id>/delete": org("alerts.manage", 200, team_page=True),
    f"POST {TEAM}trackers/<str:tracker_id>/delete": org("alerts.manage", 302, team_page=True),
    "GET o/<str:org_id>/analytics": org("analytics.read.all", 200, org_wide=True),
    f"GET {TEAM}members": org("team.members.read", 200, team_page=True),
    f"GET {TEAM}members/add": org("team.members.manage", 200, team_page=True),
    f"POST {TEAM}members/add": org(
        "team.members.manage", 302, team_page=True, account_id="{member}", role="agent"
    ),
    f"POST {TEAM}members/<str:account_id>/role": org(
        "team.members.manage", 302, team_page=True, role="agent"
    ),
    f"POST {TEAM}members/<str:account_id>/agent-id": org(
        "team.members.manage", 302, team_page=True, agent_external_id="A-1"
    ),
    f"GET {TEAM}members/<str:account_id>/revoke": org("team.members.manage", 200, team_page=True),
    f"POST {TEAM}members/<str:account_id>/revoke": org("team.members.manage", 302, team_page=True),
    f"GET {TEAM}alerts": org("alerts.read", 200, team_page=True),
    f"POST {TEAM}alerts/<str:alert_id>/acknowledge": org("alerts.manage", 302, team_page=True),
    f"POST {TEAM}alerts/<str:alert_id>/resolve": org("alerts.manage", 302, team_page=True),
    f"GET {TEAM}alert-rules/new": org("alerts.manage", 200, team_page=True),
    f"POST {TEAM}alert-rules/new": org(
        "alerts.manage",
        302,
        team_page=True,
        name="Long calls",
        type="duration_above",
        seconds="600",
    ),
    f"GET {TEAM}alert-rules/<str:rule_id>/edit": org("alerts.manage", 200, team_page=True),
    f"POST {TEAM}alert-rules/<str:rule_id>/edit": org(
        "alerts.manage",
        302,
        team_page=True,
        name="Refund mentions",
        type="keyword",
        phrases="refund",
    ),
    f"GET {TEAM}alert-rules/<str:rule_id>/delete": org("alerts.manage", 200, team_page=True),
    f"POST {TEAM}alert-rules/<str:rule_id>/delete": org("alerts.manage", 302, team_page=True),
    f"GET {TEAM}automations": org("automations.read", 200, team_page=True),
    f"GET {TEAM}automations/new": org("automations.manage", 200, team_page=True),
    f"POST {TEAM}automations/new": org(
        "automations.manage", 302, team_page=True, **AUTOMATION_FORM
    ),
    f"GET {TEAM}automations/<str:automation_id>/edit": org(
        "automations.manage", 200, team_page=True
    ),
    f"POST {TEAM}automations/<str:automation_id>/edit": org(
        "automations.manage", 302, team_page=True, **AUTOMATION_FORM
    ),
    f"GET {TEAM}automations/<str:automation_id>/delete": org(
        "automations.manage", 200, team_page=True
    ),
    f"POST {TEAM}automations/<str:automation_id>/delete": org(
        "automations.manage", 302, team_page=True
    ),
    f"GET {TEAM}settings": org("team.settings", 200, team_page=True),
    f"POST {TEAM}settings": org(
        "team.manage", 302, team_page=True, name="Billing", description="x"
    ),
    f"GET {TEAM}settings/rotate-workflow-id": org("team.manage", 200, team_page=True),
    f"POST {TEAM}settings/rotate-workflow-id": org("team.manage", 302, team_page=True),
    f"GET {TEAM}settings/archive": org("team.manage", 200, team_page=True),
    f"POST {TEAM}settings/archive": org("team.manage", 302, team_page=True),
    f"GET {TEAM}settings/unarchive": org("team.manage", 200, team_page=True),
    f"POST {TEAM}settings/unarchive": org("team.manage", 302, team_page=True),
}

# SCIM (PRODUCT §8.2): a SCIM token is the only credential. Every principal of this matrix (a
# browser session, a personal token, an ingest key, nobody) gets 401 on every SCIM route; the
# SCIM token's own answers are tested in tests/scim/.
SCIM = "scim/v2/<str:org_id>/"
SCIM_ROUTES = {
    "ServiceProviderConfig": ("GET",),
    "ResourceTypes": ("GET",),
    "ResourceTypes/<str:name>": ("GET",),
    "Schemas": ("GET",),
    "Schemas/<str:schema_id>": ("GET",),
    "Users": ("GET", "POST"),
    "Users/.search": ("POST",),
    "Users/<str:account_id>": ("GET", "PUT", "PATCH", "DELETE"),
    "Groups": ("GET", "POST"),
    "Groups/.search": ("POST",),
    "Groups/<str:team_id>": ("GET", "PUT", "PATCH", "DELETE"),
    ".search": ("POST",),
    "<path:rest>": ("GET", "POST", "PUT", "PATCH", "DELETE"),
}
UI.update(
    {
        f"{method} {SCIM}{route}": public(401)
        for route, methods in SCIM_ROUTES.items()
        for method in methods
    }
)

__all__ = ["API", "MEMBERS", "UI"]
