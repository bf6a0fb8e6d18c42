from .models import Role


def org_custom_roles(*, organization) -> list[Role]:
    return list(Role.objects.filter(organization=organization).order_by("scope", "name"))
