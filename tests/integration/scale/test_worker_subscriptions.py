"""MENTORING_WORKER_SUBSCRIPTIONS: a worker process runs only the subscriptions it names, so an
operator can give one topic's consumer processes of its own (docs/decisions/0030-fair-sharing.md).
Two such workers of one service together run every subscription once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mentoring.analytics.bootstrap import build_worker
from mentoring.kit.settings import KitSettings


def _names(settings: Any) -> list[str]:
    worker = build_worker(settings)
    return [runtime.sub.name for runtime in worker.runtimes]


async def test_a_worker_runs_the_subscriptions_it_is_given(
    settings_for: Callable[..., Any],
) -> None:
    every = _names(settings_for("analytics"))
    assert "projection-sessions" in every
    assert len(every) > 1

    alone = _names(settings_for("analytics", worker_subscriptions=("projection-sessions",)))
    rest = [n for n in every if n != "projection-sessions"]
    others = _names(settings_for("analytics", worker_subscriptions=tuple(rest)))
    assert alone == ["projection-sessions"]
    assert sorted(alone + others) == sorted(every)


async def test_an_unknown_subscription_is_refused(settings_for: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="projection-nothing"):
        build_worker(settings_for("analytics", worker_subscriptions=("projection-nothing",)))


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORING_WORKER_SUBSCRIPTIONS", '["tenants", "projection-sessions"]')
    assert KitSettings().worker_subscriptions == ("tenants", "projection-sessions")
    monkeypatch.delenv("MENTORING_WORKER_SUBSCRIPTIONS")
    assert KitSettings().worker_subscriptions is None
