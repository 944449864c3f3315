"""A coordinator opens the dashboard of a seeded tenant in headless Chromium: the charts are
drawn, the language switches from Polish to English, and a CSV export downloads."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import async_playwright

from mentoring.analytics.adapters.projection import Stream
from mentoring.analytics.bootstrap import build_api, use_read_model_schema
from mentoring.analytics.config import AnalyticsSettings
from mentoring.analytics.service_layer.projection import project_batch
from mentoring.contracts import topics
from mentoring.kit.db import create_engine, session_factory
from tests.unit.analytics import scenario as sc

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
STREAMS = {
    topics.MATCHING: Stream.MATCHING,
    topics.SESSIONS: Stream.SESSIONS,
    topics.NOTIFICATIONS: Stream.NOTIFICATIONS,
}
NON_BLANK = """() => [...document.querySelectorAll('canvas')].map(c => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) { n++; } }
    return n;
})"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def server(analytics_settings: AnalyticsSettings) -> AsyncIterator[str]:
    port = free_port()
    app = build_api(analytics_settings, clock=lambda: datetime(2026, 3, 28, tzinfo=UTC))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def seed(settings: AnalyticsSettings) -> sc.Ids:
    ids, events = sc.tenant_a()
    engine = create_engine(settings.database_url, pool_size=1)
    use_read_model_schema(engine, settings.read_model_schema)
    sessions = session_factory(engine)
    try:
        for topic, stream in STREAMS.items():
            await project_batch(sessions, stream, [e for e in events if e.topic == topic])
    finally:
        await engine.dispose()
    return ids


async def test_dashboard_draws_charts_switches_language_and_downloads_a_csv(
    analytics_settings: AnalyticsSettings,
    server: str,
    token: Callable[..., str],
    tmp_path: Path,
) -> None:
    assert await asyncio.to_thread(Path(CHROMIUM).exists), "apt-get install chromium"
    ids = await seed(analytics_settings)
    tok = token(ids.tenant, "coordinator")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(accept_downloads=True)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(
                f"{server}/dashboard?token={tok}&lang=pl&programme_id={ids.p}"
                "&from=2026-01&to=2026-03"
            )
            assert "token=" not in page.url  # the token moved into an HttpOnly cookie
            await page.wait_for_function("document.body.dataset.chartsDrawn === '5'")
            assert await page.evaluate("Object.keys(Chart.instances).length") == 5
            assert all(n > 0 for n in await page.evaluate(NON_BLANK))
            assert await page.text_content("#title") == "Panel analityczny programów mentoringowych"
            card = page.locator("[data-figure=enrolled_mentors]")
            assert "Zapisani mentorzy" in (await card.text_content() or "")
            suppressed = page.locator("[data-figure=pairs_ended_completed] .value")
            assert await suppressed.text_content() == "ukryte (mniej niż 5 osób)"

            await page.click("#lang-en")
            await page.wait_for_function("document.body.dataset.chartsDrawn === '5'")
            assert await page.text_content("#title") == "Mentoring programmes dashboard"
            assert "Enrolled mentors" in (await card.text_content() or "")
            assert all(n > 0 for n in await page.evaluate(NON_BLANK))

            async with page.expect_download() as info:
                await page.click("#export-figures-csv")
            download = await info.value
            target = tmp_path / download.suggested_filename
            await download.save_as(target)
            content = target.read_bytes()
            assert content.startswith(b"\xef\xbb\xbf")
            text = content.decode("utf-8-sig")
            assert text.startswith("Figure,Value\r\n")
            assert "Enrolled mentors,5\r\n" in text and "Average session rating,3.9\r\n" in text
            assert download.suggested_filename == "analytics-figures-2026-01-2026-03.csv"
            assert errors == []
            if shot := __import__("os").environ.get("ANALYTICS_SCREENSHOT"):
                await page.screenshot(path=shot, full_page=True)
        finally:
            await browser.close()
