"""Public identifiers: a readable prefix and 20 random characters (about 103 bits), so they are
stable, non-sequential and cannot be guessed or enumerated."""

import secrets

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 20


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))


def new_account_id() -> str:
    return new_id("acc")


def new_org_id() -> str:
    return new_id("org")


def new_team_id() -> str:
    return new_id("team")


def new_role_id() -> str:
    return new_id("role")


def new_token_id() -> str:
    return new_id("tok")


def new_workflow_id() -> str:
    return new_id("wf")


ID_MAX_LENGTH = 32


def new_alert_rule_id() -> str:
    return new_id("rule")


def new_alert_id() -> str:
    return new_id("alert")


def new_automation_id() -> str:
    return new_id("auto")


def new_delivery_id() -> str:
    return new_id("dlv")


def new_invitation_id() -> str:
    return new_id("inv")


def new_scim_token_id() -> str:
    return new_id("scimtok")


def new_tracker_id() -> str:
    return new_id("trk")
