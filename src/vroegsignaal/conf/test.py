"""Settings for the test suite: the production module in demo mode with fast hashing.

Only environment defaults change here; everything else is ``settings.py``.
"""

import os
import tempfile

os.environ.setdefault("VROEGSIGNAAL_MODE", "demo")
os.environ.setdefault("TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault(
    "VROEGSIGNAAL_DATA_DIR", os.path.join(tempfile.gettempdir(), "vroegsignaal-test")
)
# A test may deliver a year of a world through one key within seconds; the limits
# themselves are tested with their own low values (intake/tests/test_api_throttling.py).
os.environ.setdefault("API_REQUESTS_PER_MINUTE", "6000")
os.environ.setdefault("API_DELIVERIES_PER_HOUR", "1000")

from .settings import *  # noqa: E402,F403
from .settings import STATIC_ROOT  # noqa: E402

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
from .settings import PASSWORD_HASHERS as _HASHERS  # noqa: E402

# Argon2 is deliberately slow; tests that check the hasher set it themselves.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *_HASHERS]

# pytest-django wraps each test in a transaction on the default connection; an
# audit writer on its own connection would not see (or roll back with) the
# test's data. Tests that pin the separate-connection behaviour turn it on.
AUDIT_SEPARATE_CONNECTION = False

# Each test starts with an empty cache (conftest.py); in memory, per process.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
