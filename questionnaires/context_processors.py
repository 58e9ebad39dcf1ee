from .selectors import can_view_dashboards, is_coordinator


def roles(request):
    """What the navigation bar needs to know about the user, computed once per page."""
    user = request.user
    return {
        "user_is_coordinator": is_coordinator(user),
        "user_can_view_dashboards": can_view_dashboards(user),
    }
