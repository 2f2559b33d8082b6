from django.conf import settings


def portal(request) -> dict:
    """Values every page needs: demo banner and the navigation for the user's role."""
    from .navigation import navigation_for

    return {
        "demo_mode": settings.DEMO_MODE,
        "navigation": navigation_for(
            getattr(request, "user", None), getattr(request, "path", None)
        ),
    }
