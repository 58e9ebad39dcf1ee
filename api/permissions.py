"""Who may read what through the API: the dashboards' rules (questionnaires.selectors holds them).

The API never writes: its views define only GET, so POST, PUT, PATCH and DELETE get 405 once the
caller is authenticated and allowed (401 or 403 before that)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from questionnaires.selectors import can_view_all_responses, can_view_dashboards, iscms_of


class DashboardReader(BasePermission):
    """Coordinators, observers and admins: campaigns, aggregates, rates, codebooks."""

    def has_permission(self, request, view) -> bool:
        return can_view_dashboards(request.user)


class ResponseReader(BasePermission):
    """Coordinators (every ISCM) and focal points (their own ISCM's, filtered by the view); never observers."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return can_view_all_responses(user) or (user.is_authenticated and iscms_of(user).exists())
