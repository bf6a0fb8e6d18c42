"""Creating an organization: its creator becomes its first Admin."""

from django.db import transaction

from callstudio.accounts.models import Account
from callstudio.core.audit import audit_record
from callstudio.core.audit_actions import AuditAction
from callstudio.core.validation import clean_name
from callstudio.orgs.models import Organization, OrgMembership


@transaction.atomic
def organization_create(*, actor: Account, name) -> Organization:
    name = clean_name(name)
    org = Organization.objects.create(name=name)
    OrgMembership.objects.create(organization=org, account=actor, role="admin")
    audit_record(
        actor=actor,
        action=AuditAction.ORG_CREATE,
        target=org,
        organization=org,
        after={"name": name},
    )
    return org
