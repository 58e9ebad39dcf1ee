"""Logins by e-mail address, whatever its case, as the password reset already finds accounts; a user's
permissions read in one query.

Usernames are e-mail addresses. `FP-ARCP@EXAMPLE.ORG` and `fp-arcp@example.org` are the same person:
the backend finds the account case-insensitively (an exact match wins if two accounts differ only by
case; otherwise such a login fails), and django-axes keys its failure counts on the lowercased name
(`lockout_username`), so five failures in any mix of cases lock the account's login from that address.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import HttpRequest


class CaseInsensitiveModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        field = user_model.USERNAME_FIELD
        matches = list(user_model._default_manager.filter(**{f"{field}__iexact": username})[:5])
        exact = [user for user in matches if getattr(user, field) == username]
        user = exact[0] if exact else (matches[0] if len(matches) == 1 else None)
        if user is None:
            # as ModelBackend does: hash anyway, so that timing does not tell which addresses exist
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_all_permissions(self, user_obj, obj=None):
        """The user's own and their groups' permissions in one query (ModelBackend: two). Every page's
        navigation bar asks (coordinator? dashboards?), so this is one query less per page."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                cursor.execute(_PERMISSIONS_SQL, {"user": user_obj.pk})
                user_obj._perm_cache = {f"{app}.{codename}" for app, codename in cursor.fetchall()}
        return user_obj._perm_cache


_USER = get_user_model()

# Plain SQL: building the same query with the ORM (a union of two joins) took longer than running it.
_PERMISSIONS_SQL = f"""
SELECT ct.app_label, p.codename
FROM {Permission._meta.db_table} p
JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id
WHERE p.id IN (
    SELECT permission_id FROM {_USER.user_permissions.through._meta.db_table} WHERE user_id = %(user)s
    UNION
    SELECT gp.permission_id
    FROM {Group.permissions.through._meta.db_table} gp
    JOIN {_USER.groups.through._meta.db_table} ug ON ug.group_id = gp.group_id
    WHERE ug.user_id = %(user)s
)
"""  # noqa: S608 - table names are Django's, the user's id a parameter


def lockout_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """The name django-axes counts failures under: what was typed, lowercased."""
    if credentials:
        username = credentials.get("username")
    else:
        username = request.POST.get("username") if request is not None else None
    return username.strip().lower() if isinstance(username, str) else username
