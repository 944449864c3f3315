"""The event contract (DESIGN.md §2): committed schemas match the models, changes stay compatible,
and every v1 type of the catalogue exists."""

from __future__ import annotations

import copy

from mentoring.contracts.compat import incompatibilities
from mentoring.contracts.registry import REGISTRY, committed_schemas, generated_schemas

DESIGN_TYPES = {
    "matching.tenant_provisioned.v1",
    "matching.programme_opened.v1",
    "matching.programme_closed.v1",
    "matching.participant_enrolled.v1",
    "matching.participant_withdrawn.v1",
    "matching.round_completed.v1",
    "matching.pair_proposed.v1",
    "matching.pair_declined.v1",
    "matching.pair_created.v1",
    "matching.pair_ended.v1",
    "matching.participant_erased.v1",
    "sessions.agreement_signed.v1",
    "sessions.goal_set.v1",
    "sessions.goal_achieved.v1",
    "sessions.session_scheduled.v1",
    "sessions.session_logged.v1",
    "sessions.session_cancelled.v1",
    "sessions.feedback_submitted.v1",
    "sessions.survey_submitted.v1",
    "notifications.notification_sent.v1",
    "notifications.notification_failed.v1",
    "analytics.pair_inactive.v1",
    "analytics.programme_health_changed.v1",
}


def test_every_design_type_is_registered() -> None:
    assert set(REGISTRY) >= DESIGN_TYPES


def test_committed_schemas_equal_the_models() -> None:
    committed = committed_schemas()
    generated = generated_schemas()
    stale = sorted(n for n in generated if committed.get(n) != generated[n])
    assert not stale, f"run `python -m mentoring.contracts` and commit: {stale}"


def test_no_committed_type_was_removed() -> None:
    removed = set(committed_schemas()) - set(generated_schemas())
    assert not removed


def test_models_are_backward_compatible_with_committed_schemas() -> None:
    committed = committed_schemas()
    for name, schema in generated_schemas().items():
        if name in committed:
            assert incompatibilities(committed[name], schema) == [], name


def test_every_event_has_tenant_and_sequence() -> None:
    for name, schema in generated_schemas().items():
        if name.startswith("profiles."):
            continue
        assert {"tenant_id", "sequence"} <= set(schema["required"]), name


def _schema() -> dict:
    return copy.deepcopy(generated_schemas()["matching.pair_created.v1"])


def test_checker_flags_a_removed_field() -> None:
    old, new = _schema(), _schema()
    del new["properties"]["mentor_id"]
    assert any("removed" in p for p in incompatibilities(old, new))


def test_checker_flags_a_new_required_field() -> None:
    old, new = _schema(), _schema()
    new["properties"]["rank"] = {"type": "integer"}
    new["required"].append("rank")
    assert any("became required" in p for p in incompatibilities(old, new))


def test_checker_flags_a_type_change() -> None:
    old, new = _schema(), _schema()
    new["properties"]["mentor_id"] = {"type": "integer"}
    assert any("changed type" in p for p in incompatibilities(old, new))


def test_checker_accepts_an_optional_field() -> None:
    old, new = _schema(), _schema()
    new["properties"]["note"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert incompatibilities(old, new) == []
