"""``vroegsignaal addstatictoken`` is refused: it prints a valid reserve code of any user.

django-otp's command makes a reserve code (a second factor) for a user and prints it, in no audit
log: with the password, a log-in as that user. ``vroegsignaal changepassword NAAM --tweede-factor``
is the audited way back in (``_refused.py``).
"""

from __future__ import annotations

from ._refused import Refused

REFUSAL = (
    "addstatictoken wordt in Vroegsignaal niet gebruikt: het drukt een geldige reservecode af zonder dat het "
    "auditlog het vastlegt. Kan iemand niet meer inloggen, gebruik dan: vroegsignaal changepassword NAAM "
    "--tweede-factor (eenmalig wachtwoord, daarna een nieuwe authenticator-app; vastgelegd in het auditlog)."
)


class Command(Refused):
    help = REFUSAL
    refusal = REFUSAL
