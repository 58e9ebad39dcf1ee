from .selectors import can_view_dashboards, is_coordinator


def roles(request):
    """What the navigation bar needs to know about the user, computed once per page."""
    user = getattr(request, "user", None)
    if user is None:  # a request refused before authentication ran (e.g. a bad Host header)
        return {"user_is_coordinator": False, "user_can_view_dashboards": False}
    return {
        "user_is_coordinator": is_coordinator(user),
        "user_can_view_dashboards": can_view_dashboards(user),
    }
