"""Who may see figures: coordinators and analysts of the tenant in their token.

The JSON API takes the bearer token of the platform contract. A browser cannot send that header
when it follows a link, so the dashboard page also takes the token once as `?token=...`, keeps it
in an HttpOnly, SameSite=Strict cookie (for the page, its exports and nothing else) and redirects
to the same address without it. Verification, roles and rate limits are the same either way.
"""

from __future__ import annotations

from fastapi import Request

from mentoring.kit.auth import AuthError, ForbiddenError, Principal, Role
from mentoring.kit.web import kit

TOKEN_COOKIE = "mentoring_analytics_token"  # noqa: S105 - a cookie name
LANG_COOKIE = "mentoring_analytics_lang"
VIEWERS = (Role.COORDINATOR, Role.ANALYST)


def bearer_or_cookie(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    cookie = request.cookies.get(TOKEN_COOKIE)
    if cookie:
        return cookie
    raise AuthError("missing bearer token")


def admit(request: Request, token: str, *roles: Role) -> Principal:
    ctx = kit(request)
    principal = ctx.verifier.verify(token)
    request.state.principal = principal
    if not principal.has(*roles):
        raise ForbiddenError(f"needs one of the roles: {', '.join(r.value for r in roles)}")
    ctx.limiter.acquire(str(principal.tenant_id))
    return principal


def viewer(request: Request) -> Principal:
    """A coordinator or analyst, by bearer token or by the dashboard's cookie."""
    return admit(request, bearer_or_cookie(request), *VIEWERS)
