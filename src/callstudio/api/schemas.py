"""Request and response shapes. Requests forbid unknown fields, so a client can never set what it
must not (organization, workflow ID, status, ids): it gets a 422 naming the field instead."""

from datetime import datetime

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable name of the failure, e.g. `last_admin`.")
    errors: list[dict] | None = None


# Accounts and tokens


class SignUpIn(In):
    email: str
    password: str
    name: str


class AccountOut(Schema):
    account_id: str
    email: str
    name: str
    # Whether `email` is verified: until it is, it links no calls and accepts no invitation.
    email_verified: bool


class VerifyEmailIn(In):
    key: str


class VerificationSentOut(Schema):
    email: str


class TokenCreateIn(In):
    email: str
    password: str
    name: str = "API token"
    otp: str | None = Field(
        None, description="For an account with MFA: a TOTP code or an unused recovery code."
    )
    expires_in_days: StrictInt = Field(
        90, description="1 to 366 days; after that the token is 401."
    )


class TokenCreatedOut(Schema):
    id: str
    token: str
    name: str
    expires_at: datetime | None


class TokenOut(Schema):
    id: str
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class TokenPage(Schema):
    items: list[TokenOut]
    next_cursor: str | None


class MeOrg(Schema):
    id: str
    name: str
    role: str


class MfaOut(Schema):
    enabled: bool
    types: list[str] = Field(description='Second factors: "totp", "webauthn".')


class MeOut(AccountOut):
    # An address asked for and not yet verified; `email` stays until it is.
    pending_email: str | None
    orgs: list[MeOrg]
    mfa: MfaOut


class TotpSetupOut(Schema):
    secret: str = Field(description="Base32 TOTP secret, for apps that cannot scan the URI.")
    otpauth_uri: str


class TotpCodeIn(In):
    code: str


class RecoveryCodesOut(Schema):
    recovery_codes: list[str] = Field(
        description="Shown once. Empty when the account already had recovery codes."
    )


# The account's own security: sessions, password, security log


class SessionOut(Schema):
    id: str
    created_at: datetime
    last_seen_at: datetime
    ip: str
    user_agent: str
    current: bool = Field(description="The browser session making this request.")


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class PasswordChangeIn(In):
    current_password: str
    new_password: str


class SecurityEventOut(Schema):
    id: int
    at: datetime
    action: str
    label: str
    actor: dict
    target: dict
    details: dict


class SecurityEventPage(Schema):
    items: list[SecurityEventOut]
    next_cursor: str | None


# Organizations


class OrgIn(In):
    name: str


class OrgOut(Schema):
    id: str
    name: str


class OrgSettingsOut(Schema):
    require_mfa: bool
    default_role: str
    scim_team_role: str  # the team role of members of an IdP group (PRODUCT §8.2)


class OrgDetailOut(OrgOut):
    role: str
    permissions: list[str]
    settings: OrgSettingsOut


class OrgPatchIn(In):
    name: str | None = None
    require_mfa: StrictBool | None = None
    default_role: str | None = None
    scim_team_role: str | None = None


class OrgListItem(OrgOut):
    role: str


class OrgPage(Schema):
    items: list[OrgListItem]
    next_cursor: str | None


# Members


class MemberAddIn(In):
    account_id: str
    # Omitted: the organization's default role (settings.default_role).
    role: str | None = None


class RoleIn(In):
    role: str


class MemberTeam(BaseModel):
    id: str
    name: str
    role: str


class MemberOut(BaseModel):
    account_id: str
    name: str
    email: str
    role: str
    role_name: str
    status: str
    teams: list[MemberTeam]


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class MemberStatusOut(Schema):
    account_id: str
    status: str
    role: str


class RestoredOut(MemberStatusOut):
    former_teams: list[MemberTeam]


# Teams


class TeamIn(In):
    name: str
    description: str = ""


class TeamPatchIn(In):
    name: str | None = None
    description: str | None = None


class TeamOut(Schema):
    id: str
    name: str
    description: str
    workflow_id: str | None
    archived: bool
    created_at: datetime
    # The identity provider managing the team (the SCIM token's name), null when managed by
    # hand: its members, name and archiving then answer 409 `managed_by_idp` (PRODUCT §8.2).
    managed_by: str | None


class TeamDetailOut(TeamOut):
    permissions: list[str]


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


class WorkflowIdOut(Schema):
    workflow_id: str


class TeamMemberAddIn(In):
    account_id: str
    role: str
    agent_external_id: str = ""


class TeamMemberPatchIn(In):
    role: str | None = None
    agent_external_id: str | None = None


class TeamMemberOut(Schema):
    account_id: str
    name: str
    email: str
    role: str
    role_name: str
    agent_external_id: str
    joined_at: datetime


class TeamMemberPage(Schema):
    items: list[TeamMemberOut]
    next_cursor: str | None


# Roles and permissions


class PermissionOut(Schema):
    name: str
    scope: str
    group: str
    description: str


class RoleCreateIn(In):
    name: str
    scope: str
    permissions: list[str]
    description: str = ""


class RolePatchIn(In):
    name: str | None = None
    scope: str | None = None
    permissions: list[str] | None = None
    description: str | None = None


class RoleOut(Schema):
    id: str
    name: str
    scope: str
    builtin: bool
    description: str
    permissions: list[str]


class RolePage(Schema):
    items: list[RoleOut]
    next_cursor: str | None


# Audit log


class AuditActor(Schema):
    account_id: str | None
    email: str


class AuditTarget(Schema):
    type: str
    id: str
    label: str


class AuditOut(Schema):
    id: int
    at: datetime
    actor: AuditActor
    action: str
    target: AuditTarget
    team: dict | None
    details: dict


class AuditPage(Schema):
    items: list[AuditOut]
    next_cursor: str | None


# Ingest keys and calls


class IngestKeyIn(In):
    name: str
    teams: list[str] | None = None


class IngestKeyOut(Schema):
    id: str
    name: str
    hint: str
    teams: list[str] | None
    created_at: datetime
    last_used_at: datetime | None


class IngestKeyCreatedOut(IngestKeyOut):
    key: str


class IngestKeyPage(Schema):
    items: list[IngestKeyOut]
    next_cursor: str | None


class CallCreatedOut(Schema):
    id: int
    external_id: str
    team_id: str
    created: bool


class RejectedLine(Schema):
    line: int
    errors: list[dict]


class StreamResultOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[RejectedLine]


class CallAgent(Schema):
    account_id: str | None
    name: str | None
    ref: str


class CallOut(Schema):
    id: int
    external_id: str
    team_id: str
    started_at: datetime
    ended_at: datetime
    duration_seconds: float
    direction: str | None
    agent: CallAgent | None
    customer: dict
    tags: list[str]
    archived: bool
    talk_ratio: float | None
    silence_share: float | None


class CallDetailOut(CallOut):
    transcript: list[dict]
    recording_url: str | None
    metadata: dict
    agent_talk_seconds: float
    customer_talk_seconds: float
    other_talk_seconds: float
    longest_monologue_seconds: float
    sentiment: float | None  # -1..1, set by the analysis pass shortly after arrival
    keywords: list[str]  # the team's keyword trackers this call mentions
    analyzed_at: datetime | None


class CallPage(Schema):
    items: list[CallOut]
    next_cursor: str | None


class SearchTeam(Schema):
    id: str
    name: str


class SearchCall(Schema):
    id: int
    team: SearchTeam
    external_id: str
    started_at: datetime
    duration_seconds: float
    agent: CallAgent | None
    customer: dict


class SearchMatch(Schema):
    segment: int = Field(description="Index of the segment in the call's transcript.")
    speaker: str
    start: float = Field(description="Seconds from the start of the call.")
    html: str = Field(description="The segment's text, HTML-escaped, matched words in <mark>.")


class SearchItem(Schema):
    call: SearchCall
    matches: list[SearchMatch]
    score: float | None = Field(
        description="Relevance when sorted by relevance (higher is better; BM25 on SQLite, "
        "ts_rank_cd on PostgreSQL); null when sorted newest first."
    )


class SearchPage(Schema):
    items: list[SearchItem]
    next_cursor: str | None
