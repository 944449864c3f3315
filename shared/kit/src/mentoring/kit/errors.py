"""Errors a domain or use case raises; each app maps them to RFC 9457 problem responses.

Pure Python: domain code may import this module.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    for current in _chain(exc):
        if isinstance(current, ConnectionError):
            return True
        if type(current).__name__ in _UNAVAILABLE_NAMES:
            return True
        if type(current).__name__ == "InterfaceError" and "connection is closed" in str(current):
            return True  # asyncpg: a pooled connection the server closed (it restarted)
        if getattr(current, "connection_invalidated", False):  # SQLAlchemy's DBAPIError
            return True
        sqlstate = _sqlstate(current)
        if isinstance(sqlstate, str) and sqlstate.startswith(("08", "57P")):  # connection, shutdown
            return True
    return False


# Data the client sent that Postgres cannot store as text: the NUL character (U+0000) in a
# string (22021) or in JSON (22P05). A client's mistake, not the server's.
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


def unstorable_text(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is Postgres refusing a text value, such as a string
    with a NUL character, that came from the request."""
    return any(_sqlstate(current) in _UNSTORABLE_TEXT for current in _chain(exc))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what caused it, each once (a cycle of causes ends the walk)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _sqlstate(exc: BaseException) -> object:
    """The SQLSTATE of a driver error (asyncpg: `sqlstate`, psycopg: `pgcode`), else None."""
    return getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
