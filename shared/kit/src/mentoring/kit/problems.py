"""RFC 9457 problem responses for every error path; no stack trace ever reaches a client."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mentoring.kit.auth import AuthError, ForbiddenError
from mentoring.kit.errors import DomainError, unavailable, unstorable_text
from mentoring.kit.ratelimit import RateLimited

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:mentoring:problem:{code or status}",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    for key, value in (extra or {}).items():
        body.setdefault(key, value)  # an extension member never overrides a standard one
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            code=exc.code,
            instance=request.url.path,
            extra=exc.extra,
        )

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> JSONResponse:
        return problem(
            401,
            "Unauthorized",
            str(exc),
            code="unauthorized",
            instance=request.url.path,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(ForbiddenError)
    async def _forbidden(request: Request, exc: ForbiddenError) -> JSONResponse:
        return problem(403, "Forbidden", str(exc), code="forbidden", instance=request.url.path)

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> JSONResponse:
        return problem(
            429,
            "Too many requests",
            str(exc),
            code="rate_limited",
            instance=request.url.path,
            headers={"Retry-After": str(int(exc.retry_after))},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": [str(p) for p in e.get("loc", ())], "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        return _invalid_input(request, "The request does not match the expected schema.", errors)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if not unstorable_text(exc):
            raise exc  # to the handler of every other error below (503 or 500)
        # The transaction was rolled back on the way out: nothing of the request was written.
        return _invalid_input(
            request,
            "The text contains a character that cannot be stored: the NUL character (U+0000).",
            [{"location": [_nul_in(request)], "message": "NUL (U+0000)"}],
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            _reason(exc.status_code),
            str(exc.detail) if exc.detail else None,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if unavailable(exc):  # the database is restarting or gone: the client may retry
            log.warning(
                "dependency unavailable", extra={"path": request.url.path, "error": repr(exc)}
            )
            return problem(
                503,
                "Service unavailable",
                "A dependency is briefly unavailable; retry (with the same Idempotency-Key).",
                code="unavailable",
                instance=request.url.path,
                headers={"Retry-After": "1"},
            )
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem(
            500,
            "Internal server error",
            "The error was logged; nothing was changed by this request.",
            code="internal",
            instance=request.url.path,
        )


def _invalid_input(request: Request, detail: str, errors: list[dict[str, Any]]) -> JSONResponse:
    return problem(
        422,
        "Invalid input",
        detail,
        code="invalid_input",
        instance=request.url.path,
        extra={"errors": errors},
    )


def _nul_in(request: Request) -> str:
    if any("\x00" in str(v) for v in request.path_params.values()):
        return "path"
    if any("\x00" in v for v in request.query_params.values()):
        return "query"
    return "body"


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
