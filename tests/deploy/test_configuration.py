"""The configuration reference stays true to the Settings classes: every variable any service
reads is documented (docs/operations.md) with its current default, and .env.example offers every
one that docker-compose.yml passes through.
"""

from __future__ import annotations

from tests.deploy import settings_catalog

REGENERATE = "run `uv run python -m tests.deploy.settings_catalog --write`"


def test_every_setting_has_a_description() -> None:
    undocumented = sorted(
        f"{var.name} ({var.field_name})"
        for var in settings_catalog.catalog().values()
        if not var.description
    )
    assert not undocumented, (
        "describe these settings: `Field(description=...)` on the field, or an entry in "
        f"tests/deploy/settings_catalog.py DESCRIPTIONS: {undocumented}"
    )


def test_generated_reference_and_env_example_are_current() -> None:
    stale = [
        str(path.relative_to(settings_catalog.ROOT))
        for path, text in settings_catalog.expected_texts().items()
        if path.read_text() != text
    ]
    assert not stale, f"{stale} no longer match the Settings classes: {REGENERATE}"


def test_operator_guide_names_every_variable() -> None:
    guide = settings_catalog.OPERATIONS.read_text()
    missing = [name for name in settings_catalog.catalog() if f"`{name}`" not in guide]
    assert not missing, f"{missing}: {REGENERATE}"
