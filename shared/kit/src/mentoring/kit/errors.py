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
