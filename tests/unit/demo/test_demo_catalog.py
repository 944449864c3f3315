"""docs/events.md is generated from the contracts' registry; the committed file is current."""

from __future__ import annotations

from pathlib import Path

from mentoring.contracts.registry import EVENT_MODELS
from mentoring.demo.catalog import render

EVENTS_MD = Path(__file__).resolve().parents[3] / "docs" / "events.md"


def test_the_committed_catalogue_is_current() -> None:
    assert EVENTS_MD.read_text(encoding="utf-8") == render(), (
        "docs/events.md is stale: run `uv run python -m mentoring.demo.catalog > docs/events.md`"
    )


def test_every_type_and_every_field_is_in_the_catalogue() -> None:
    text = render()
    for model in EVENT_MODELS:
        assert f"### `{model.event_type}`" in text
        for name in model.model_fields:
            assert f"`{name}`" in text, (model.event_type, name)
