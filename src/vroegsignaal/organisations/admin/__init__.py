"""The beheerder's admin: municipalities, creditors, covenants, wijkteams and users.

The same data ``load_config`` and ``create_user`` write. A user made here gets a
one-time password, shown once, and must choose their own after enrolling TOTP;
superuser status and per-user permissions are not offered (a role decides,
:mod:`..backends`). Users are deactivated, not deleted: the audit log names them.

One module a part: :mod:`.organisations` (municipalities, creditors, covenants, wijkteams),
:mod:`.users` and :mod:`.thirdparty` (django-axes's and django-otp's admins as the beheerder
uses them). Importing them registers their admins, in this order: the third-party changes
come last, as they did when this was one module.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from vroegsignaal.portal.forms import NameLengthChecked


class AdminLoginForm(NameLengthChecked, AdminAuthenticationForm):
    """The admin's own log-in (a signed-in user of the portal may reach it): the name's length checked."""


admin.site.login_form = AdminLoginForm
admin.site.site_header = _("Vroegsignaal — beheer")
admin.site.site_title = _("Vroegsignaal — beheer")
admin.site.index_title = _("Beheer van het platform")

from . import organisations, users  # noqa: E402, F401, I001 - registers the admins
from . import thirdparty  # noqa: E402, F401, I001 - after them: it changes what is registered
