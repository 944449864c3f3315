"""The walking skeleton: a tenant provisioned through the matching API reaches the sessions,
notifications and analytics databases through the outbox, the relay and the real broker, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mentoring.analytics.bootstrap import build_worker as analytics_worker
from mentoring.kit.testing import eventually, running, unique
from mentoring.matching.bootstrap import build_api as matching_api
from mentoring.matching.bootstrap import build_worker as matching_worker
from mentoring.notifications.bootstrap import build_worker as notifications_worker
from mentoring.sessions.bootstrap import build_worker as sessions_worker
from tests.conftest import bearer


async def test_tenant_provisioned_reaches_every_consumer_once(
    settings_for: Callable[..., Any],
    api_client: Callable[..., Any],
    token: Callable[..., str],
    admin_db: Callable[[str], Any],
) -> None:
    api = await api_client(matching_api(settings_for("matching")))
    consumers = [
        (name, build(settings_for(name)))
        for name, build in (
            ("sessions", sessions_worker),
            ("notifications", notifications_worker),
            ("analytics", analytics_worker),
        )
    ]
    slug = unique("ministry-")
    async with (
        running(matching_worker(settings_for("matching"))),
        running(consumers[0][1]),
        running(consumers[1][1]),
        running(consumers[2][1]),
    ):
        response = await api.post(
            "/api/v1/tenants",
            json={"name": "Ministerstwo Zdrowia", "slug": slug, "default_locale": "pl"},
            headers=bearer(token(None, "platform_admin")),
        )
        assert response.status_code == 201, response.text
        tenant_id = response.json()["id"]

        for name, _worker in consumers:
            db = await admin_db(name)
            rows = await eventually(
                lambda db=db: db.fetch(
                    "select * from tenant_replica where tenant_id = $1::uuid", tenant_id
                ),
                what=f"the tenant in {name}",
            )
            assert rows[0]["name"] == "Ministerstwo Zdrowia"
            assert rows[0]["slug"] == slug
            inbox = await db.fetchval(
                "select count(*) from inbox_message where event_type = $1 and consumer = $2",
                "matching.tenant_provisioned.v1",
                f"{name}.tenants",
            )
            assert inbox >= 1

    matching = await admin_db("matching")
    unsent = await matching.fetchval(
        "select count(*) from outbox_message where tenant_id = $1::uuid and sent_at is null",
        tenant_id,
    )
    assert unsent == 0
    for name, _worker in consumers:
        db = await admin_db(name)
        assert (
            await db.fetchval(
                "select count(*) from tenant_replica where tenant_id = $1::uuid", tenant_id
            )
            == 1
        )
