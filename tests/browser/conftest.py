"""The browser tier: headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against
a real API server on a free port, with the real Postgres behind it."""

from __future__ import annotations

from tests.integration.analytics.conftest import analytics_settings, rm_schema

__all__ = ["analytics_settings", "rm_schema"]
