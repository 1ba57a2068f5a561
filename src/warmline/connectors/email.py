"""Email over SMTP: the briefing as a plain-text and HTML message, one per handoff event."""
from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage

from ..core.briefing import to_html, to_markdown
from . import Delivery, Permanent, Retryable


class Email:
    def __init__(self, name: str, host: str, port: int, sender: str, to: list[str], username: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout_s: float = 10.0):
        self.name, self.host, self.port, self.sender, self.to = name, host, port, sender, to
        self.username, self.password, self.starttls, self.timeout_s = username, password, starttls, timeout_s

    def message(self, delivery: Delivery) -> EmailMessage:
        h = delivery.handoff
        msg = EmailMessage()
        msg["Subject"] = f"[Warmline] {h.get('priority')} handoff to {h.get('queue')}: {delivery.briefing.intent}"[:200]
        msg["From"], msg["To"] = self.sender, ", ".join(self.to)
        msg["Message-ID"] = f"<{delivery.key.replace(':', '.')}@warmline>"   # the same on every attempt
        msg.set_content(to_markdown(delivery.briefing))
        msg.add_alternative(to_html(delivery.briefing), subtype="html")
        return msg

    def send(self, delivery: Delivery) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(self.message(delivery))
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                raise Retryable(error) from None
            raise Permanent(error) from None
        except (OSError, socket.timeout, smtplib.SMTPException) as exc:
            raise Retryable(f"SMTP: {type(exc).__name__}: {exc}") from None
        return None
