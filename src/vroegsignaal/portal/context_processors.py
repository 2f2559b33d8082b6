from django.conf import settings


def portal(request) -> dict:
    """Values every page needs: demo banner and the navigation for the user's role."""
    from .navigation import navigation_for

    return {
        "demo_mode": settings.DEMO_MODE,
        # the idle time-out, for the warning before it (session.js) and the log-in page after it
        "idle_timeout_minutes": max(1, settings.SESSION_IDLE_TIMEOUT // 60),
        "navigation": navigation_for(
            getattr(request, "user", None), getattr(request, "path", None)
        ),
    }
