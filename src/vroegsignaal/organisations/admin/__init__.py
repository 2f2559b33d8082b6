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
from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from vroegsignaal.portal.forms import NameLengthChecked


class AdminLoginForm(NameLengthChecked, AdminAuthenticationForm):
    """The admin's own log-in (a signed-in user of the portal may reach it): the name's length checked."""


admin.site.login_form = AdminLoginForm
admin.site.site_header = _("Vroegsignaal — beheer")
admin.site.site_title = _("Vroegsignaal — beheer")
admin.site.index_title = _("Beheer van het platform")


def boolean_icon(value):
    """Django's yes/no icon of a list's column or a read-only field, named in the admin's language
    ("Ja", "Nee"; "Yes", "No" in English) where Django's says the value ("True", "False"): a
    screen reader read English in the Dutch admin. Django's ``display_for_field``,
    ``display_for_value`` and read-only fields import it from ``admin_list`` when they draw one,
    so every admin of the site, ours and the third-party ones, shows this one."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    name = {True: _("Ja"), False: _("Nee"), None: _("Onbekend")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), name)


admin_list._boolean_icon = boolean_icon

from . import organisations, users  # noqa: E402, F401, I001 - registers the admins
from . import thirdparty  # noqa: E402, F401, I001 - after them: it changes what is registered
