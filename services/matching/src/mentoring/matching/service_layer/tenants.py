"""Provisioning a ministry (platform admins only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mentoring.matching.adapters.events import emit_tenant_events
from mentoring.matching.domain.tenants import Tenant
from mentoring.matching.service_layer.uow import MatchingUnitOfWork


@dataclass(frozen=True)
class ProvisionTenant:
    name: str
    slug: str
    default_locale: str = "pl"


async def provision_tenant(cmd: ProvisionTenant, uow: MatchingUnitOfWork, now: datetime) -> Tenant:
    async with uow:
        tenant = Tenant.provision(
            name=cmd.name, slug=cmd.slug, default_locale=cmd.default_locale, at=now
        )
        await uow.switch_tenant(tenant.id)
        await uow.tenants.add(tenant)
        emit_tenant_events(uow, tenant)
        await uow.commit()
    return tenant
