"""The FastAPI side of the kit: app factory, auth dependencies, health, metrics, rate limits."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mentoring.kit import metrics
from mentoring.kit.auth import AuthError, ForbiddenError, Principal, Role, TokenVerifier
from mentoring.kit.db import set_system_scope, set_tenant
from mentoring.kit.health import Readiness
from mentoring.kit.problems import install_problem_handlers
from mentoring.kit.ratelimit import TenantRateLimiter
from mentoring.kit.settings import KitSettings

MAX_OFFSET = 1_000_000_000
# Every paginated list takes it: a bound keeps an absurd offset a 422, never a database error.
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="How many items to skip.")]


@dataclass
class ApiContext:
    """Everything request handlers reach through `request.app.state.kit`."""

    settings: KitSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    verifier: TokenVerifier
    limiter: TenantRateLimiter
    bulk_limiter: TenantRateLimiter
    readiness: Readiness
    asyncapi: Callable[[], dict[str, Any]] | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def kit(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.kit
    return ctx


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("missing bearer token")
    return token.strip()


def authenticate(request: Request) -> Principal:
    ctx = kit(request)
    principal = ctx.verifier.verify(_bearer(request))
    request.state.principal = principal
    return principal


def require(*roles: Role, bulk: bool = False) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: an authenticated caller with any of `roles`, within its tenant's rate.

    It is `async` although it never awaits: FastAPI runs a plain `def` dependency in a worker
    thread, and that hop costs more than the check itself."""

    async def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if roles and not principal.has(*roles):
            raise ForbiddenError(f"needs one of the roles: {', '.join(r.value for r in roles)}")
        ctx = kit(request)
        (ctx.bulk_limiter if bulk else ctx.limiter).acquire(str(principal.tenant_id))
        return principal

    return dependency


def any_role() -> Callable[[Request], Awaitable[Principal]]:
    return require()


@asynccontextmanager
async def tenant_session(request: Request, tenant_id: UUID | None) -> AsyncIterator[AsyncSession]:
    """One transaction, scoped to a tenant (None: system scope, for platform admins)."""
    ctx = kit(request)
    async with ctx.sessions() as session, session.begin():
        if tenant_id is None:
            await set_system_scope(session)
        else:
            await set_tenant(session, tenant_id)
        yield session


class _MetricsMiddleware:
    """Request counts and latencies by route template; plain ASGI (no extra task per request)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            method = scope.get("method", "")
            metrics.HTTP_REQUESTS.labels(self.service, method, path, str(status)).inc()
            metrics.HTTP_LATENCY.labels(self.service, method, path).observe(
                time.perf_counter() - started
            )


def health_router(readiness: Callable[[Request], Readiness]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/health/ready")
    async def ready(request: Request) -> JSONResponse:
        ok, body = await readiness(request).evaluate()
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def asyncapi_router() -> APIRouter:
    router = APIRouter(tags=["events"])

    @router.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_json(request: Request) -> JSONResponse:
        build = kit(request).asyncapi
        return JSONResponse(build() if build else {})

    @router.get("/asyncapi", include_in_schema=False)
    async def asyncapi_html(request: Request) -> HTMLResponse:
        return HTMLResponse(_ASYNCAPI_PAGE)

    return router


_ASYNCAPI_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>AsyncAPI</title>
<link rel="stylesheet" href="https://unpkg.com/@asyncapi/react-component@1.0.0-next.54/styles/default.min.css">
</head><body><div id="asyncapi"></div>
<script src="https://unpkg.com/@asyncapi/react-component@1.0.0-next.54/browser/standalone/index.js"></script>
<script>fetch('asyncapi.json').then(r=>r.json()).then(s=>AsyncApiStandalone.render(
{schema:s,config:{show:{sidebar:true}}},document.getElementById('asyncapi')));</script>
<noscript>The machine-readable document is at <a href="asyncapi.json">asyncapi.json</a>.</noscript>
</body></html>"""


def create_api(
    *,
    context: ApiContext,
    title: str,
    version: str,
    description: str,
    routers: Sequence[APIRouter],
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        try:
            yield
        finally:
            for hook in on_shutdown:
                await hook()
            await context.engine.dispose()

    lifespan_cm: Callable[[FastAPI], AbstractAsyncContextManager[None]] = lifespan
    app = FastAPI(title=title, version=version, description=description, lifespan=lifespan_cm)
    app.state.kit = context
    install_problem_handlers(app)
    app.add_middleware(_MetricsMiddleware, service=context.settings.service_name)
    app.include_router(health_router(lambda r: kit(r).readiness))
    app.include_router(asyncapi_router())
    for router in routers:
        app.include_router(router)
    return app


PrincipalDep = Annotated[Principal, Depends(any_role())]
