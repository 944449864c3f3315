"""E-mail over SMTP (aiosmtplib): text and HTML alternatives, the session's .ics attached as
text/calendar, UTF-8 throughout (subjects are RFC 2047 encoded), and a Message-ID that stays the
same when a delivery is retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from uuid import UUID

import aiosmtplib

from mentoring.kit.calendar import Attendee, SessionInvite, session_ics
from mentoring.notifications.adapters.directory import Directory
from mentoring.notifications.adapters.templates import Rendered

_SUMMARY = {"pl": "Spotkanie mentoringowe", "en": "Mentoring session"}


class EmailError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    tls: bool = False
    starttls: bool = False
    timeout: float = 20.0


def message_id(delivery_id: UUID, domain: str) -> str:
    return f"<{delivery_id}@{domain}>"


def build_message(
    *,
    sender: str,
    to_name: str,
    to_address: str,
    rendered: Rendered,
    message_id: str,
    sent_at: datetime,
    invite: bytes | None = None,
    invite_method: str = "REQUEST",
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    name, addr = parseaddr(sender)
    msg["From"] = Address(display_name=name, addr_spec=addr) if name else addr
    msg["To"] = Address(display_name=" ".join(to_name.split()), addr_spec=to_address)
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg["Content-Language"] = rendered.locale  # after the content: set_content clears Content-*
    if invite is not None:
        msg.add_attachment(
            invite,
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": invite_method, "charset": "utf-8"},
        )
    return msg


def session_invite(
    params: dict[str, Any], directory: Directory, locale: str, stamp: datetime
) -> tuple[bytes, str] | None:
    """The session's .ics and its iTIP method, or None when the session's time is unknown."""
    if not params.get("starts_at") or not params.get("session_id"):
        return None
    pair_id = params.get("pair_id")
    pair = directory.pairs.get(UUID(pair_id)) if isinstance(pair_id, str) else None
    members = pair.members() if pair else ()
    attendees = tuple(
        Attendee(c.email, c.display_name)
        for c in (directory.contacts.get(m) for m in members)
        if c is not None
    )
    organizer = None
    if isinstance(params.get("scheduled_by"), str):
        contact = directory.contacts.get(UUID(params["scheduled_by"]))
        if contact is not None:
            organizer = Attendee(contact.email, contact.display_name)
    programme_id = params.get("programme_id")
    programme = (
        directory.programmes.get(UUID(programme_id)) if isinstance(programme_id, str) else None
    )
    cancelled = bool(params.get("cancelled"))
    ics = session_ics(
        SessionInvite(
            session_id=UUID(params["session_id"]),
            starts_at=datetime.fromisoformat(params["starts_at"]),
            duration_minutes=int(params.get("duration_minutes") or 60),
            summary=_SUMMARY.get(locale, _SUMMARY["pl"]),
            location=params.get("location"),
            description=programme,
            revision=int(params.get("revision") or 0),
            cancelled=cancelled,
            organizer=organizer,
            attendees=attendees,
            stamp=stamp,
        )
    )
    return ics, "CANCEL" if cancelled else "REQUEST"


class SmtpSender:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, message: EmailMessage) -> None:
        c = self.config
        try:
            await aiosmtplib.send(
                message,
                hostname=c.host,
                port=c.port,
                username=c.username,
                password=c.password,
                use_tls=c.tls,
                start_tls=c.starttls,
                timeout=c.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise EmailError(f"recipient refused: {exc}", permanent=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise EmailError(f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise EmailError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
