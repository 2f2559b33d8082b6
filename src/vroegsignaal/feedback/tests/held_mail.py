"""A mail backend for the real-worker test (``EMAIL_BACKEND``, not a test module).

Each message becomes a file in ``$HELD_MAIL_DIR/sent/``. While ``$HELD_MAIL_DIR/hold`` exists,
sending a message first writes ``$HELD_MAIL_DIR/sending`` and waits: the middle of a send, where
the test stops the worker.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(os.environ["HELD_MAIL_DIR"])
        sent = folder / "sent"
        sent.mkdir(exist_ok=True)
        for message in email_messages:
            while (folder / "hold").exists():
                (folder / "sending").write_text(message.subject)
                time.sleep(0.05)
            (sent / f"{time.time_ns()}.txt").write_text(f"{message.to}\n{message.subject}\n")
        return len(email_messages)
