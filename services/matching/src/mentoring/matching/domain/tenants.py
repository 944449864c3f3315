"""A tenant is a ministry using the platform."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from mentoring.kit.errors import InvalidInput

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
LOCALES = ("pl", "en")


@dataclass(frozen=True)
class TenantProvisioned:
    tenant_id: UUID
    name: str
    slug: str
    default_locale: str
    at: datetime


@dataclass
class Tenant:
    id: UUID
    name: str
    slug: str
    default_locale: str
    created_at: datetime
    events: list[TenantProvisioned] = field(default_factory=list, repr=False)

    @classmethod
    def provision(cls, *, name: str, slug: str, default_locale: str, at: datetime) -> Tenant:
        name = name.strip()
        if not name:
            raise InvalidInput("a tenant needs a name")
        if not SLUG.match(slug):
            raise InvalidInput("slug: lowercase letters, digits and hyphens, 2 to 63 characters")
        if default_locale not in LOCALES:
            raise InvalidInput(f"default_locale must be one of {', '.join(LOCALES)}")
        tenant = cls(id=uuid4(), name=name, slug=slug, default_locale=default_locale, created_at=at)
        tenant.events.append(TenantProvisioned(tenant.id, name, slug, default_locale, at))
        return tenant
