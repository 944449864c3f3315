"""Domain events of matching -> wire events of the contract (mentoring.contracts)."""

from __future__ import annotations

from mentoring.contracts.events import matching as wire
from mentoring.kit.uow import SqlUnitOfWork
from mentoring.matching.domain import tenants


def emit_tenant_events(uow: SqlUnitOfWork, tenant: tenants.Tenant) -> None:
    for event in tenant.events:
        uow.emit(
            wire.TenantProvisioned,
            tenant_id=event.tenant_id,
            occurred_at=event.at,
            name=event.name,
            slug=event.slug,
            default_locale=event.default_locale,
        )
    tenant.events.clear()
