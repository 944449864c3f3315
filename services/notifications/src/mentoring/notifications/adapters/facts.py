"""Wire events of the contract -> the domain's facts (and the CloudEvent a webhook receives)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from mentoring.contracts.events import analytics, matching, sessions
from mentoring.kit.envelope import Envelope
from mentoring.notifications.domain import model


def _programme_opened(d: matching.ProgrammeOpened, common: dict[str, Any]) -> model.Fact:
    return model.ProgrammeOpened(
        **common,
        programme_id=d.programme_id,
        name=d.name,
        coordinator_id=d.coordinator_id,
        inactivity_days=d.inactivity_days,
    )


PairEvent = matching.PairProposed | matching.PairCreated | matching.PairEnded
PairFact = type[model.PairProposed] | type[model.PairCreated] | type[model.PairEnded]


def _pair(fact: PairFact) -> Callable[[PairEvent, dict[str, Any]], model.Fact]:
    """The converter of a pair event: the same four fields into the fact of the same name."""

    def convert(d: PairEvent, common: dict[str, Any]) -> model.Fact:
        return fact(
            **common,
            pair_id=d.pair_id,
            programme_id=d.programme_id,
            mentor_id=d.mentor_id,
            mentee_id=d.mentee_id,
        )

    return convert


def _round_completed(d: matching.RoundCompleted, common: dict[str, Any]) -> model.Fact:
    return model.RoundCompleted(
        **common,
        round_id=d.round_id,
        programme_id=d.programme_id,
        proposals=d.proposals,
        mentees_in_pool=d.mentees_in_pool,
        mentees_unmatched=d.mentees_unmatched,
    )


def _participant_erased(d: matching.ParticipantErased, common: dict[str, Any]) -> model.Fact:
    return model.ParticipantErased(**common, person_id=d.participant_id)


def _session_scheduled(d: sessions.SessionScheduled, common: dict[str, Any]) -> model.Fact:
    return model.SessionScheduled(
        **common,
        session=model.Session(
            session_id=d.session_id,
            pair_id=d.pair_id,
            programme_id=d.programme_id,
            starts_at=d.starts_at.astimezone(UTC),
            duration_minutes=d.duration_minutes,
            mode=d.mode.value,
            location=d.location,
            revision=d.revision,
            scheduled_by=d.scheduled_by,
        ),
    )


def _session_cancelled(d: sessions.SessionCancelled, common: dict[str, Any]) -> model.Fact:
    return model.SessionCancelled(
        **common,
        session_id=d.session_id,
        pair_id=d.pair_id,
        programme_id=d.programme_id,
        revision=d.revision,
    )


def _survey_due(d: sessions.SurveyDue, common: dict[str, Any]) -> model.Fact:
    return model.SurveyDue(
        **common,
        survey_id=d.survey_id,
        pair_id=d.pair_id,
        programme_id=d.programme_id,
        participant_id=d.participant_id,
        instrument=d.instrument,
        wave=d.wave,
        due_at=d.due_at.astimezone(UTC),
    )


def _pair_inactive(d: analytics.PairInactive, common: dict[str, Any]) -> model.Fact:
    return model.PairInactive(
        **common,
        pair_id=d.pair_id,
        programme_id=d.programme_id,
        inactive_days=d.inactive_days,
        threshold_days=d.threshold_days,
    )


# One converter per event type (a lookup by exact type: the contract's models are final).
_CONVERTERS: dict[type[Any], Callable[[Any, dict[str, Any]], model.Fact]] = {
    matching.ProgrammeOpened: _programme_opened,
    matching.PairProposed: _pair(model.PairProposed),
    matching.PairCreated: _pair(model.PairCreated),
    matching.PairEnded: _pair(model.PairEnded),
    matching.RoundCompleted: _round_completed,
    matching.ParticipantErased: _participant_erased,
    sessions.SessionScheduled: _session_scheduled,
    sessions.SessionCancelled: _session_cancelled,
    sessions.SurveyDue: _survey_due,
    analytics.PairInactive: _pair_inactive,
}


def to_fact(envelope: Envelope) -> model.Fact | None:
    """The fact an event tells notifications, or None when no rule cares about it."""
    convert = _CONVERTERS.get(type(envelope.data))
    if convert is None:
        return None
    return convert(
        envelope.data, {"event_id": envelope.id, "occurred_at": envelope.data.occurred_at}
    )


def cloudevent(envelope: Envelope) -> dict[str, Any]:
    """The event as a structured-mode CloudEvent (JSON), the body of a webhook delivery."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(envelope.id),
        "source": envelope.source,
        "type": envelope.type,
        "subject": envelope.subject,
        "time": envelope.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "tenantid": str(envelope.tenant_id),
        "dataschema": envelope.data.dataschema(),
        "datacontenttype": "application/json",
        "data": envelope.data.model_dump(mode="json"),
    }
    if envelope.traceparent:
        event["traceparent"] = envelope.traceparent
    return event
