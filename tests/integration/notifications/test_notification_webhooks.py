"""Webhooks to external subscribers: registered by a coordinator, delivered as structured
CloudEvents signed per Standard Webhooks (verified here with the `standardwebhooks` package),
retried with backoff until the receiver accepts once, marked failed when the window ends, and
only ever sent where the deployment's URL policy allows."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mentoring.contracts.events import matching
from mentoring.kit.testing import Infrastructure, eventually, running
from mentoring.notifications.bootstrap import build_api, build_worker
from tests.conftest import bearer
from tests.integration.notifications.conftest import (
    NotifyEnv,
    free_port,
    notifications_settings,
    settle,
    superuser_db,
)

WINDOW_SECONDS = 5.0


class Receiver:
    """A subscriber's endpoint: verifies every request's signature, accepts each webhook-id once.

    `/flaky/...` answers 500 to its first three requests; `/down/...` always answers 503.
    """

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.requests: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.accepted: dict[str, dict[str, Any]] = {}
        self.rejected: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests[path].append(headers)
        status = 204
        if path.startswith("/down/") or (
            path.startswith("/flaky/") and len(self.requests[path]) <= 3
        ):
            status = 500 if path.startswith("/flaky/") else 503
        else:
            try:
                payload = Webhook(self.secrets[path]).verify(body, headers)
            except (WebhookVerificationError, KeyError) as exc:
                self.rejected.append(repr(exc))
                status = 400
            else:
                self.accepted.setdefault(headers["webhook-id"], payload)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def accepted_on(self, path: str) -> list[dict[str, Any]]:
        ids = {h["webhook-id"] for h in self.requests[path]}
        return [p for i, p in self.accepted.items() if i in ids]


async def _started(server: uvicorn.Server) -> bool:
    return bool(server.started)


class _Server(uvicorn.Server):
    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    app = Receiver()
    port = free_port()
    server = _Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _started(server), what="the webhook receiver")
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture(scope="module")
async def hooks(
    infrastructure: Infrastructure,
    migrated: dict[str, Any],
    kafka_bootstrap: str,
    namespace: str,
    mail_sink: Any,
) -> AsyncIterator[NotifyEnv]:
    from aiokafka import AIOKafkaProducer

    sink, port = mail_sink
    settings = notifications_settings(
        migrated,
        kafka_bootstrap,
        namespace,
        port,
        webhook_retry_base_seconds=0.2,
        webhook_retry_max_delay_seconds=1.0,
        webhook_retry_window_seconds=WINDOW_SECONDS,
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    db = await superuser_db(infrastructure)
    try:
        async with running(build_worker(settings)):
            yield NotifyEnv(settings, producer, db, sink, namespace)
    finally:
        await producer.stop()
        await db.close()


async def _register(api: Any, auth: dict[str, str], url: str, types: list[str]) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/webhooks", json={"url": url, "event_types": types}, headers=auth
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["secret"].startswith("whsec_")
    return body


def _pair_created(m: Any) -> Any:
    return m.event(
        matching.PairCreated,
        pair_id=uuid4(),
        programme_id=m.programme_id,
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        proposed_at=datetime.now(UTC),
    )


async def test_deliveries_are_signed_structured_cloudevents(
    hooks: NotifyEnv,
    receiver: tuple[Receiver, str],
    api_client: Callable[..., Any],
    token: Callable[..., str],
) -> None:
    app, base = receiver
    api = await api_client(build_api(hooks.settings))
    m = hooks.ministry()
    auth = bearer(token(m.tenant, "coordinator", sub=str(uuid4())))
    path = f"/ok/{uuid4().hex}"
    endpoint = await _register(api, auth, base + path, ["matching.pair_created.v1"])
    app.secrets[path] = endpoint["secret"]

    created = _pair_created(m)
    event_id = await hooks.publish(created)
    await hooks.publish(
        m.event(
            matching.PairProposed,
            pair_id=uuid4(),
            programme_id=m.programme_id,
            mentor_id=uuid4(),
            mentee_id=uuid4(),
            score=0.4,
        )
    )  # not subscribed

    async def accepted() -> list[dict[str, Any]]:
        return app.accepted_on(path)

    [payload] = await eventually(accepted, what="the signed delivery")
    assert payload["specversion"] == "1.0"
    assert payload["type"] == "matching.pair_created.v1"
    assert payload["id"] == str(event_id)
    assert payload["source"] == "/mentoring/matching"
    assert payload["tenantid"] == str(m.tenant)
    assert payload["subject"] == str(created.pair_id)
    assert payload["datacontenttype"] == "application/json"
    assert payload["data"]["pair_id"] == str(created.pair_id)
    [headers] = app.requests[path]
    assert headers["webhook-id"].startswith("msg_")
    assert headers["content-type"] == "application/json"
    assert app.rejected == []

    # a receiver holding another secret rejects it: the signature is real
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(json.dumps(payload), headers)

    # the receiver has answered; the sender records the result just after
    deliveries = await eventually(
        lambda: api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=auth),
        until=lambda r: [i["status"] for i in r.json()["items"]] == ["sent"],
        what="the delivery recorded as sent",
    )
    [record] = deliveries.json()["items"]
    assert (record["status"], record["attempts"], record["event_id"]) == ("sent", 1, str(event_id))
    await settle(0.5)
    assert len(app.requests[path]) == 1


async def test_a_receiver_failing_three_times_gets_exactly_one_accepted_delivery(
    hooks: NotifyEnv,
    receiver: tuple[Receiver, str],
    api_client: Callable[..., Any],
    token: Callable[..., str],
) -> None:
    app, base = receiver
    api = await api_client(build_api(hooks.settings))
    m = hooks.ministry()
    auth = bearer(token(m.tenant, "coordinator", sub=str(uuid4())))
    path = f"/flaky/{uuid4().hex}"
    endpoint = await _register(api, auth, base + path, ["matching.pair_created.v1"])
    app.secrets[path] = endpoint["secret"]
    event_id = await hooks.publish(_pair_created(m))

    async def accepted() -> list[dict[str, Any]]:
        return app.accepted_on(path)

    [payload] = await eventually(accepted, what="the delivery after three failures")
    assert payload["id"] == str(event_id)
    await settle()
    requests = app.requests[path]
    assert len(requests) == 4
    assert len({r["webhook-id"] for r in requests}) == 1  # one delivery, retried under one id
    assert len(app.accepted_on(path)) == 1
    row = await hooks.db.fetchrow(
        "select status, attempts, delivery_id from delivery where endpoint_id = $1",
        UUID(endpoint["id"]),
    )
    assert (row["status"], row["attempts"]) == ("sent", 4)

    async def sent() -> Any:
        return await hooks.db.fetchrow(
            "select payload from outbox_message where event_type = $1 "
            "and payload->>'notification_id' = $2",
            "notifications.notification_sent.v1",
            str(row["delivery_id"]),
        )

    recorded = json.loads((await eventually(sent, what="notification_sent"))["payload"])
    assert (recorded["channel"], recorded["attempts"], recorded["kind"]) == (
        "webhook",
        4,
        "matching.pair_created.v1",
    )
    assert recorded["endpoint_id"] == endpoint["id"]
    assert recorded["cause_event_id"] == str(event_id)


async def test_a_receiver_that_never_accepts_is_marked_failed_after_the_window(
    hooks: NotifyEnv,
    receiver: tuple[Receiver, str],
    api_client: Callable[..., Any],
    token: Callable[..., str],
) -> None:
    app, base = receiver
    api = await api_client(build_api(hooks.settings))
    m = hooks.ministry()
    auth = bearer(token(m.tenant, "coordinator", sub=str(uuid4())))
    path = f"/down/{uuid4().hex}"
    endpoint = await _register(api, auth, base + path, ["matching.pair_created.v1"])
    await hooks.publish(_pair_created(m))

    async def state() -> Any:
        return await hooks.db.fetchrow(
            "select status, attempts, last_error, delivery_id, first_attempt_at, finished_at "
            "from delivery where endpoint_id = $1",
            UUID(endpoint["id"]),
        )

    row = await eventually(
        state,
        until=lambda r: r is not None and r["status"] == "failed",
        timeout=WINDOW_SECONDS + 20,
        what="the delivery marked failed",
    )
    assert row["attempts"] == len(app.requests[path]) >= 4
    assert row["last_error"] == "HTTP 503"
    assert (row["finished_at"] - row["first_attempt_at"]).total_seconds() >= WINDOW_SECONDS
    failed = await hooks.db.fetchrow(
        "select payload from outbox_message where event_type = $1 "
        "and payload->>'notification_id' = $2",
        "notifications.notification_failed.v1",
        str(row["delivery_id"]),
    )
    body = json.loads(failed["payload"])
    assert (body["channel"], body["error"], body["attempts"]) == (
        "webhook",
        "HTTP 503",
        row["attempts"],
    )
    await settle(1.0)
    assert len(app.requests[path]) == row["attempts"]  # nothing after it was marked failed


async def test_registration_rules(
    hooks: NotifyEnv,
    receiver: tuple[Receiver, str],
    api_client: Callable[..., Any],
    token: Callable[..., str],
) -> None:
    _app, base = receiver
    tenant = uuid4()
    coordinator = bearer(token(tenant, "coordinator", sub=str(uuid4())))
    strict = await api_client(
        build_api(hooks.settings.model_copy(update={"webhook_allow_private": False}))
    )
    for url in (
        base + "/x",
        "http://localhost:9/x",
        "http://10.1.2.3/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
    ):
        refused = await strict.post(
            "/api/v1/webhooks",
            json={"url": url, "event_types": ["matching.pair_created.v1"]},
            headers=coordinator,
        )
        assert refused.status_code == 422, (url, refused.text)
    production = await api_client(
        build_api(
            hooks.settings.model_copy(
                update={"environment": "production", "jwt_secret": hooks.settings.jwt_secret}
            )
        )
    )
    plain_http = await production.post(
        "/api/v1/webhooks",
        json={"url": "http://hooks.example.gov.pl/x", "event_types": ["matching.pair_created.v1"]},
        headers=coordinator,
    )
    assert plain_http.status_code == 422
    assert "https" in plain_http.json()["detail"]

    api = await api_client(build_api(hooks.settings))
    unknown = await api.post(
        "/api/v1/webhooks",
        json={"url": base + "/y", "event_types": ["notifications.notification_sent.v1"]},
        headers=coordinator,
    )
    assert unknown.status_code == 422
    mentee = bearer(token(tenant, "mentee", sub=str(uuid4())))
    forbidden = await api.post(
        "/api/v1/webhooks",
        json={"url": base + "/y", "event_types": ["matching.pair_created.v1"]},
        headers=mentee,
    )
    assert forbidden.status_code == 403
    created = await _register(api, coordinator, base + "/y", ["matching.pair_created.v1"])
    listed = (await api.get("/api/v1/webhooks", headers=coordinator)).json()
    assert [e["id"] for e in listed["items"]] == [created["id"]]
    assert "secret" not in listed["items"][0]
    other_tenant = bearer(token(uuid4(), "coordinator", sub=str(uuid4())))
    assert (
        await api.get(f"/api/v1/webhooks/{created['id']}", headers=other_tenant)
    ).status_code == 404
    assert (
        await api.delete(f"/api/v1/webhooks/{created['id']}", headers=other_tenant)
    ).status_code == 404
    paused = await api.patch(
        f"/api/v1/webhooks/{created['id']}", json={"active": False}, headers=coordinator
    )
    assert paused.json()["active"] is False
    rotated = await api.post(f"/api/v1/webhooks/{created['id']}/secret", headers=coordinator)
    assert rotated.json()["secret"] not in (created["secret"], None)
    assert (
        await api.delete(f"/api/v1/webhooks/{created['id']}", headers=coordinator)
    ).status_code == 204
    assert (await api.get("/api/v1/webhooks", headers=coordinator)).json()["total"] == 0
