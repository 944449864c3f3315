"""The hand-computed scenario through the real broker and Postgres: every figure by the API,
tenant isolation of every figure and export, and a rebuild from offset 0 that gives the same
read model as the incremental projection (and hands over to it at the right offsets)."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from openpyxl import load_workbook

from mentoring.analytics.adapters import kafka_io
from mentoring.analytics.adapters.tables import READ_MODEL_TABLES
from mentoring.analytics.bootstrap import build_api, build_worker
from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.entrypoints.cli import rebuild_config
from mentoring.analytics.entrypoints.tables import TABLES
from mentoring.analytics.service_layer.rebuild import (
    RebuildRefused,
    projection_groups,
    rebuild,
)
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching as m
from mentoring.kit.testing import eventually, running
from tests.conftest import bearer
from tests.integration.analytics.conftest import projected, publish
from tests.unit.analytics import scenario as sc

NOW = datetime(2026, 3, 28, 12, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def per_topic(events: list[EventData]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in events:
        counts[e.topic] = counts.get(e.topic, 0) + 1
    return counts


@dataclass
class World:
    ids: sc.Ids
    tenant_b: UUID
    programme_b: UUID
    settings: AnalyticsSettings
    published: dict[str, int]


@pytest.fixture(scope="module")
async def world(analytics_settings: AnalyticsSettings) -> World:
    ids, events_a = sc.tenant_a()
    tenant_b, programme_b, events_b = sc.tenant_b()
    events = [*events_a, *events_b]
    redelivered = events_a[:40]  # a relay that published twice: same sequences again
    await publish(analytics_settings, [*events, *redelivered])
    worker = build_worker(analytics_settings, clock=clock)
    async with running(worker):
        await eventually(
            projected(worker, per_topic([*events, *redelivered])),
            timeout=60,
            what="the scenario projected",
        )
    return World(ids, tenant_b, programme_b, analytics_settings, per_topic(events))


@pytest.fixture
async def api(world: World, api_client: Callable[..., Any]) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await api_client(build_api(world.settings, clock=clock))
    return client


def period(**extra: Any) -> dict[str, Any]:
    return {**sc.PERIOD, **{k: str(v) for k, v in extra.items()}}


async def get(api: httpx.AsyncClient, path: str, tok: str, **params: Any) -> Any:
    response = await api.get(path, params=params, headers=bearer(tok))
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_figure_through_the_broker(
    world: World, api: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    ids = world.ids
    coordinator, analyst = token(ids.tenant, "coordinator"), token(ids.tenant, "analyst")
    put = await api.put(
        f"/api/v1/programmes/{ids.p}/cost",
        json={"amount": sc.COST_P, "currency": "PLN"},
        headers=bearer(coordinator),
    )
    assert put.status_code == 200, put.text
    refused = await api.put(
        f"/api/v1/programmes/{ids.p}/cost", json={"amount": "1"}, headers=bearer(analyst)
    )
    assert refused.status_code == 403
    assert (await get(api, f"/api/v1/programmes/{ids.p}/cost", analyst))["amount"] == "10000.00"

    body = await get(api, "/api/v1/dashboard", analyst, **period(programme_id=ids.p))
    assert body["period"] == {"from": "2026-01", "to": "2026-03"}
    assert sc.mismatches(sc.EXPECTED_P, body["figures"]) == {}
    funnel = {s["stage"]: s["mentees"] for s in body["funnel"]}
    assert sc.mismatches(sc.EXPECTED_P_FUNNEL, funnel) == {}
    ratings = {r["rating"]: r["count"] for r in body["ratings"]}
    assert sc.mismatches(sc.EXPECTED_P_RATINGS, ratings) == {}  # type: ignore[arg-type]
    surveys = {s["instrument"]: s for s in body["surveys"]}
    for instrument, waves in sc.EXPECTED_P_SURVEYS.items():
        assert sc.mismatches(waves, surveys[instrument]) == {}, instrument
    unit = {str(v): k for k, v in ids.units.items()}
    cells = {
        (unit[c["mentor_unit_id"]], unit[c["mentee_unit_id"]]): c["pairs"]
        for c in body["cross_units"]
    }
    assert sc.mismatches(sc.EXPECTED_P_CELLS, cells) == {}  # type: ignore[arg-type]
    months = {row["month"]: row["values"] for row in body["months"]}
    for month, expected in sc.EXPECTED_P_MONTHS.items():
        assert sc.mismatches(expected, months[month]) == {}, month
    assert {p["name"] for p in body["programmes"]} == {"Program P", "Program Q"}

    everything = await get(api, "/api/v1/figures", analyst, **period())
    assert sc.mismatches(sc.EXPECTED_ALL, everything["figures"]) == {}
    cross = await get(api, "/api/v1/cross-units", analyst, **period())
    cells = {
        (unit[c["mentor_unit_id"]], unit[c["mentee_unit_id"]]): c["pairs"] for c in cross["cells"]
    }
    assert sc.mismatches(sc.EXPECTED_ALL_CELLS, cells) == {}  # type: ignore[arg-type]
    small = await get(api, "/api/v1/figures", coordinator, **period(programme_id=ids.q))
    assert sc.mismatches(sc.EXPECTED_Q, small["figures"]) == {}
    february = await get(
        api,
        "/api/v1/figures",
        analyst,
        programme_id=str(ids.p),
        **{"from": "2026-02", "to": "2026-02"},
    )
    assert sc.mismatches(sc.EXPECTED_P_FEBRUARY, february["figures"]) == {}

    one = await get(api, "/api/v1/figures/sessions_logged", analyst, **period(programme_id=ids.p))
    assert one["value"]["value"] == 11
    assert [p["value"]["value"] for p in one["series"]] == [None, 5, 4]
    assert (await get(api, "/api/v1/ratings", analyst, **period(programme_id=ids.p)))["average"][
        "value"
    ] == 3.9
    assert len((await get(api, "/api/v1/monthly", analyst, **period()))["months"]) == 3
    assert (await get(api, "/api/v1/funnel", analyst, **period()))["stages"][0]["mentees"][
        "value"
    ] == 9
    assert (await get(api, "/api/v1/surveys", analyst, **period()))["instruments"]
    openapi = (await api.get("/openapi.json")).json()
    for path in (
        "/api/v1/dashboard",
        "/api/v1/figures",
        "/api/v1/figures/{name}",
        "/api/v1/monthly",
        "/api/v1/funnel",
        "/api/v1/ratings",
        "/api/v1/surveys",
        "/api/v1/cross-units",
        "/api/v1/programmes",
        "/api/v1/tables/{table}",
        "/api/v1/programmes/{programme_id}/cost",
        "/api/v1/exports/{table}.{extension}",
    ):
        assert path in openapi["paths"], path


async def test_tenant_isolation_of_every_figure_and_export(
    world: World, api: httpx.AsyncClient, token: Callable[..., str]
) -> None:
    ids = world.ids
    a, b = token(ids.tenant, "analyst"), token(world.tenant_b, "coordinator")
    secrets = [str(ids.p), str(ids.q), *(str(u) for u in ids.units.values())]

    figures_b = await get(api, "/api/v1/dashboard", b, **period())
    assert sc.mismatches(sc.EXPECTED_B, figures_b["figures"]) == {}
    assert [p["programme_id"] for p in figures_b["programmes"]] == [str(world.programme_b)]
    assert not any(s in str(figures_b) for s in secrets)
    for path in (
        "/api/v1/dashboard",
        "/api/v1/figures",
        "/api/v1/exports/figures.csv",
        "/api/v1/tables/funnel",
        f"/api/v1/programmes/{ids.p}/cost",
    ):
        response = await api.get(path, params={"programme_id": str(ids.p)}, headers=bearer(b))
        assert response.status_code == 404, (path, response.text)

    for table in TABLES:
        json_a = await get(api, f"/api/v1/tables/{table}", a, **period(programme_id=ids.p))
        json_b = await get(api, f"/api/v1/tables/{table}", b, **period())
        assert not any(s in str(json_b) for s in secrets), table
        assert json_a["tenant_id"] == str(ids.tenant) and json_b["tenant_id"] == str(world.tenant_b)
        for extension in ("csv", "xlsx"):
            for lang in ("pl", "en"):
                exported_a = await api.get(
                    f"/api/v1/exports/{table}.{extension}",
                    params=period(programme_id=ids.p, lang=lang),
                    headers=bearer(a),
                )
                exported_b = await api.get(
                    f"/api/v1/exports/{table}.{extension}",
                    params=period(lang=lang),
                    headers=bearer(b),
                )
                assert exported_a.status_code == exported_b.status_code == 200
                text_b = _text(exported_b.content, extension)
                assert not any(s in text_b for s in secrets), (table, extension)
                assert len(_rows(exported_a.content, extension)) == len(json_a["rows"]) + 1

    csv_en = (
        await api.get(
            "/api/v1/exports/figures.csv",
            params=period(programme_id=ids.p, lang="en"),
            headers=bearer(a),
        )
    ).content
    assert csv_en.startswith(b"\xef\xbb\xbf")
    assert "Enrolled mentors,5\r\n" in csv_en.decode("utf-8-sig")
    assert "Pairs ended: completed,suppressed (fewer than 5 people)" in csv_en.decode()
    csv_pl = (
        await api.get(
            "/api/v1/exports/figures.csv",
            params=period(programme_id=ids.p, lang="pl"),
            headers=bearer(a),
        )
    ).content.decode("utf-8-sig")
    assert "Wskaźnik;Wartość\r\n" in csv_pl and "Średnia ocena spotkań;3,9\r\n" in csv_pl
    csv_b = (
        await api.get("/api/v1/exports/figures.csv", params=period(lang="en"), headers=bearer(b))
    ).content.decode("utf-8-sig")
    assert "Enrolled mentors,7\r\n" in csv_b
    book = load_workbook(
        io.BytesIO(
            (
                await api.get(
                    "/api/v1/exports/monthly.xlsx",
                    params=period(programme_id=ids.p, lang="en"),
                    headers=bearer(a),
                )
            ).content
        )
    )
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Month" and rows[2][0] == "2026-02" and 5 in rows[2]

    # The dashboard page: a token link once, then an HttpOnly cookie (exports use it too).
    page = await api.get("/dashboard")
    assert page.status_code == 401 and "token" in page.text
    link = await api.get(
        "/dashboard", params={"token": token(ids.tenant, "analyst"), **period(lang="en")}
    )
    assert link.status_code == 303 and "token" not in link.headers["location"]
    cookie = link.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = await api.get(link.headers["location"])
    assert page.status_code == 200 and "Mentoring programmes dashboard" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "Enrolled mentors" in page.text and str(world.tenant_b) not in page.text
    by_cookie = await api.get("/api/v1/exports/funnel.csv", params=period(lang="en"))
    assert by_cookie.status_code == 200 and by_cookie.text.startswith("\ufeffStage,Mentees")
    api.cookies.clear()
    assert (await api.get("/api/v1/exports/funnel.csv")).status_code == 401
    wrong = await api.get("/dashboard", params={"token": token(ids.tenant, "mentor")})
    assert wrong.status_code == 403

    mentor = token(ids.tenant, "mentor", sub=str(uuid4()))
    assert (await api.get("/api/v1/dashboard", headers=bearer(mentor))).status_code == 403
    assert (await api.get("/api/v1/exports/figures.csv", headers=bearer(mentor))).status_code == (
        403
    )
    assert (await api.get("/api/v1/dashboard")).status_code == 401


def _text(content: bytes, extension: str) -> str:
    return str(_rows(content, extension))


def _rows(content: bytes, extension: str) -> list[Any]:
    if extension == "csv":
        return content.decode("utf-8-sig").splitlines()
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


SCOPES = ("P", "ALL", "Q", "FEB", "B")


async def snapshot(api: httpx.AsyncClient, world: World, tok_a: str, tok_b: str) -> dict[str, Any]:
    out = {}
    for scope in SCOPES:
        params: dict[str, Any] = {
            "P": period(programme_id=world.ids.p),
            "ALL": period(),
            "Q": period(programme_id=world.ids.q),
            "FEB": {"programme_id": str(world.ids.p), "from": "2026-02", "to": "2026-02"},
            "B": period(),
        }[scope]
        out[scope] = await get(api, "/api/v1/dashboard", tok_b if scope == "B" else tok_a, **params)
    return out


async def tables(admin_db: Callable[[str], Any], schema: str) -> dict[str, set[tuple[Any, ...]]]:
    db = await admin_db("analytics")
    out = {}
    for table in READ_MODEL_TABLES:
        rows = await db.fetch(f'SELECT * FROM "{schema}".{table}')
        out[table] = {
            tuple(r.values())
            for r in rows
            if not (table == "rm_metric_month" and r["amount"] == 0)
            and not (table == "rm_unit_month" and r["pairs"] == 0 and r["people"] == 0)
        }
    return out


async def test_a_rebuild_from_offset_zero_gives_the_same_read_model(
    world: World,
    api: httpx.AsyncClient,
    token: Callable[..., str],
    admin_db: Callable[[str], Any],
) -> None:
    settings = world.settings
    tok_a, tok_b = token(world.ids.tenant, "analyst"), token(world.tenant_b, "analyst")
    incremental = await snapshot(api, world, tok_a, tok_b)
    incremental_tables = await tables(admin_db, settings.read_model_schema)
    assert sum(len(rows) for rows in incremental_tables.values()) > 100

    report = await rebuild(rebuild_config(settings, batch_size=50, workers=2))
    assert report.records == sum(world.published.values()) + 40  # the duplicates are read too
    assert report.applied == sum(world.published.values())  # and dropped

    assert await snapshot(api, world, tok_a, tok_b) == incremental
    assert await tables(admin_db, settings.read_model_schema) == incremental_tables
    for group in projection_groups(settings.group_id).values():
        committed = await kafka_io.committed_offsets(settings.kafka_bootstrap, group)
        expected = {tp: o for tp, o in report.ends.items() if tp in committed}
        assert committed == expected and committed, group

    # The command line does the same, in one process, with its progress bar.
    command = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "mentoring"),
        "analytics",
        "rebuild",
        env={
            **os.environ,
            "MENTORING_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "MENTORING_TOPIC_NAMESPACE": settings.topic_namespace,
            "MENTORING_CONSUMER_GROUP": settings.group_id,
            "MENTORING_ANALYTICS_READ_MODEL_SCHEMA": settings.read_model_schema,
            "MENTORING_ANALYTICS_DATABASE_URL": settings.database_url,
            "MENTORING_ANALYTICS_MIGRATION_DATABASE_URL": settings.migration_database_url,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await command.communicate())[0].decode()
    assert command.returncode == 0, output
    assert "rebuilt schema" in output and f"from {report.records} events" in output
    assert await tables(admin_db, settings.read_model_schema) == incremental_tables

    # The projection carries on from there: new events count once, old ones not again.
    tenant_c, programme_c = uuid4(), uuid4()
    later = [
        m.ParticipantEnrolled(
            tenant_id=tenant_c,
            sequence=1,
            occurred_at=sc.at(3, 2),
            participant_id=uuid4(),
            programme_id=programme_c,
            role=m.ParticipantRole.MENTOR,
            consented_at=sc.at(3, 2),
        )
        for _ in range(5)
    ]
    await publish(settings, later)
    worker = build_worker(settings, clock=clock)
    async with running(worker):
        with pytest.raises(RebuildRefused):
            await rebuild(rebuild_config(settings))
        tok_c = token(tenant_c, "analyst")

        async def mentors_of_c() -> Any:
            body = await get(api, "/api/v1/figures", tok_c, **period())
            return body["figures"]["enrolled_mentors"]["value"]

        await eventually(mentors_of_c, until=lambda v: v == 5, what="tenant C projected")
    after = await snapshot(api, world, tok_a, tok_b)
    for scope in SCOPES:  # the worker's health scan may have assessed the programmes meanwhile
        after[scope].pop("programmes")
        incremental[scope].pop("programmes")
    assert after == incremental
