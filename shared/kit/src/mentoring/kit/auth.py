"""Bearer-token authentication (DESIGN.md §4): HS256 in development, JWKS in production.

The accepted algorithms are a fixed list; `none`, a wrong key, an expired token, a wrong audience
or a missing claim is refused with 401; a valid token without the needed role gets 403.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

import jwt

from mentoring.kit.settings import KitSettings


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    COORDINATOR = "coordinator"
    MENTOR = "mentor"
    MENTEE = "mentee"
    ANALYST = "analyst"


class AuthError(Exception):
    """401: the caller is not authenticated."""


class ForbiddenError(Exception):
    """403: authenticated, but without the role this needs."""


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    tenant_id: UUID
    roles: frozenset[Role]

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def participant_id(self) -> UUID | None:
        """Mentors and mentees sign in with their participant id as `sub`."""
        try:
            return UUID(self.subject)
        except ValueError:
            return None


class TokenVerifier:
    """Verifies bearer tokens; a verified token is remembered until it expires, so a client's
    series of requests pays for the signature check once."""

    CACHE_SIZE = 10_000

    def __init__(self, settings: KitSettings) -> None:
        self._cache: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._audience = settings.jwt_audience
        self._issuer = settings.jwt_issuer
        self._algorithms = list(settings.jwt_algorithms)
        self._secret = settings.jwt_secret
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        if self._jwks is not None:
            self._algorithms = [a for a in self._algorithms if not a.startswith("HS")] or ["RS256"]

    def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None:
            expires, principal = cached
            if time.time() < expires:
                self._cache.move_to_end(token)
                return principal
            del self._cache[token]
        principal, expires = self._verify(token)
        self._cache[token] = (expires, principal)
        if len(self._cache) > self.CACHE_SIZE:
            self._cache.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            key: Any = (
                self._jwks.get_signing_key_from_jwt(token).key if self._jwks else self._secret
            )
            claims = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["sub", "tenant", "roles", "exp", "iat", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}") from None
        try:
            tenant = UUID(str(claims["tenant"]))
        except ValueError:
            raise AuthError("invalid token: the tenant claim is not a tenant id") from None
        raw_roles = claims["roles"]
        if not isinstance(raw_roles, list):
            raise AuthError("invalid token: roles must be a list")
        roles = frozenset(Role(r) for r in raw_roles if r in Role.__members__.values())
        principal = Principal(subject=str(claims["sub"]), tenant_id=tenant, roles=roles)
        return principal, float(claims["exp"])


def mint_token(
    *,
    secret: str,
    subject: str,
    tenant_id: UUID | str,
    roles: Iterable[str],
    issuer: str = "mentoring-dev",
    audience: str = "mentoring",
    ttl_seconds: int = 3600,
    algorithm: str = "HS256",
    extra: dict[str, Any] | None = None,
) -> str:
    """A development or test token (HS256). Production tokens come from the identity provider."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "tenant": str(tenant_id),
        "roles": list(roles),
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_seconds,
        **(extra or {}),
    }
    return jwt.encode(claims, secret, algorithm=algorithm)
