"""Errors a domain or use case raises; each app maps them to RFC 9457 problem responses.

Pure Python: domain code may import this module.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected failure; `status` is the HTTP status it maps to."""

    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"
    code = "not_found"


class Conflict(DomainError):
    """The request is valid but not in the resource's current state (an illegal transition)."""

    status = 409
    title = "Conflict"
    code = "conflict"


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"
    code = "invalid_input"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    code = "forbidden"


_UNAVAILABLE_NAMES = frozenset(
    {
        # asyncpg: the server is starting, shutting down, or the connection is gone
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "AdminShutdownError",
        "CrashShutdownError",
        "TooManyConnectionsError",
    }
)


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says a dependency cannot be reached, as opposed to the
    message being unprocessable: refused or dropped connections, a database restarting."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionError):
            return True
        if type(current).__name__ in _UNAVAILABLE_NAMES:
            return True
        if type(current).__name__ == "InterfaceError" and "connection is closed" in str(current):
            return True  # asyncpg: a pooled connection the server closed (it restarted)
        if getattr(current, "connection_invalidated", False):  # SQLAlchemy's DBAPIError
            return True
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(("08", "57P")):  # connection, shutdown
            return True
        current = current.__cause__ or current.__context__
    return False


# Data the client sent that Postgres cannot store as text: the NUL character (U+0000) in a
# string (22021) or in JSON (22P05). A client's mistake, not the server's.
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


def unstorable_text(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is Postgres refusing a text value, such as a string
    with a NUL character, that came from the request."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        sqlstate = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if sqlstate in _UNSTORABLE_TEXT:
            return True
        current = current.__cause__ or current.__context__
    return False
