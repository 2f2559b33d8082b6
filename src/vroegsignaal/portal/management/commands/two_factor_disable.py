"""``vroegsignaal two_factor_disable`` is refused: it removes a second factor without a trace.

two-factor's command deletes every authenticator app and reserve code of a user, in no audit log,
and leaves the password as it is. ``vroegsignaal changepassword NAAM --tweede-factor`` does it
with a one-time password and an audit event (``_refused.py``).
"""

from __future__ import annotations

from ._refused import Refused

REFUSAL = (
    "two_factor_disable wordt in Vroegsignaal niet gebruikt: het haalt de tweede factor weg zonder dat het "
    "auditlog het vastlegt. Is een telefoon kwijt, gebruik dan: vroegsignaal changepassword NAAM --tweede-factor "
    "(eenmalig wachtwoord, daarna een nieuwe authenticator-app; vastgelegd in het auditlog)."
)


class Command(Refused):
    help = REFUSAL
    refusal = REFUSAL
