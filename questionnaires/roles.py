"""The coordinator and observer roles are Django groups with permissions; focal points are memberships."""

from django.contrib.auth.models import Group, Permission

COORDINATOR = "Coordinator"
OBSERVER = "Observer"

ROLE_PERMISSIONS = {
    COORDINATOR: ["manage_campaigns", "view_all_responses", "view_dashboards", "exchange_data"],
    OBSERVER: ["view_dashboards"],
}


def roles_ensure(**_kwargs) -> None:
    """Create the role groups with exactly their permissions (runs after every migrate)."""
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="questionnaires", codename__in=codenames)
        )
