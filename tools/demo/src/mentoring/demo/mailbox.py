"""A local SMTP server that keeps what it receives (aiosmtpd): where the demo's e-mails land.

The notifications service sends to 127.0.0.1:1025 by default (MENTORING_NOTIFICATIONS_SMTP_*);
nothing listens there unless `mentoring demo mailbox` (or the journey) runs this server.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

DEFAULT_PORT = 1025


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.box.keep(message, list(envelope.rcpt_tos))
        return "250 Message accepted"


class Mailbox:
    """Every message accepted on host:port, parsed; `to(address)` finds a recipient's mail."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        on_message: Callable[[EmailMessage], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.messages: list[tuple[EmailMessage, list[str]]] = []
        self.on_message = on_message
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def keep(self, message: EmailMessage, recipients: list[str]) -> None:
        with self._lock:
            self.messages.append((message, recipients))
        if self.on_message is not None:
            self.on_message(message)

    def start(self) -> Mailbox:
        """Listen (OSError when the port is taken, e.g. by another mailbox)."""
        controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        wanted = address.lower()
        with self._lock:
            return [
                m
                for m, rcpts in self.messages
                if wanted in (r.lower() for r in rcpts) or wanted in str(m["To"]).lower()
            ]

    async def wait_for(
        self,
        address: str,
        where: Callable[[EmailMessage], bool] = lambda _m: True,
        *,
        timeout: float = 60.0,
    ) -> EmailMessage:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [m for m in self.to(address) if where(m)]
            if found:
                return found[0]
            if loop.time() > deadline:
                raise TimeoutError(f"no e-mail to {address} within {timeout:.0f} s")
            await asyncio.sleep(0.2)


def invitations(message: EmailMessage) -> list[tuple[str, bytes]]:
    """The message's calendar parts (text/calendar): their `method` and their bytes."""
    out = []
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                out.append((str(part.get_param("method") or ""), payload))
    return out


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""
