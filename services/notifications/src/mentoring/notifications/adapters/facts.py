"""Wire events of the contract -> the domain's facts (and the CloudEvent a webhook receives)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from mentoring.contracts.events import analytics, matching, sessions
from mentoring.kit.envelope import Envelope
from mentoring.notifications.domain import model


def to_fact(envelope: Envelope) -> model.Fact | None:
    """The fact an event tells notifications, or None when no rule cares about it."""
    d = envelope.data
    common: dict[str, Any] = {"event_id": envelope.id, "occurred_at": d.occurred_at}
    match d:
        case matching.ProgrammeOpened():
            return model.ProgrammeOpened(
                **common,
                programme_id=d.programme_id,
                name=d.name,
                coordinator_id=d.coordinator_id,
                inactivity_days=d.inactivity_days,
            )
        case matching.PairProposed():
            return model.PairProposed(
                **common,
                pair_id=d.pair_id,
                programme_id=d.programme_id,
                mentor_id=d.mentor_id,
                mentee_id=d.mentee_id,
            )
        case matching.PairCreated():
            return model.PairCreated(
                **common,
                pair_id=d.pair_id,
                programme_id=d.programme_id,
                mentor_id=d.mentor_id,
                mentee_id=d.mentee_id,
            )
        case matching.PairEnded():
            return model.PairEnded(
                **common,
                pair_id=d.pair_id,
                programme_id=d.programme_id,
                mentor_id=d.mentor_id,
                mentee_id=d.mentee_id,
            )
        case matching.RoundCompleted():
            return model.RoundCompleted(
                **common,
                round_id=d.round_id,
                programme_id=d.programme_id,
                proposals=d.proposals,
                mentees_in_pool=d.mentees_in_pool,
                mentees_unmatched=d.mentees_unmatched,
            )
        case matching.ParticipantErased():
            return model.ParticipantErased(**common, person_id=d.participant_id)
        case sessions.SessionScheduled():
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
        case sessions.SessionCancelled():
            return model.SessionCancelled(
                **common,
                session_id=d.session_id,
                pair_id=d.pair_id,
                programme_id=d.programme_id,
                revision=d.revision,
            )
        case sessions.SurveyDue():
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
        case analytics.PairInactive():
            return model.PairInactive(
                **common,
                pair_id=d.pair_id,
                programme_id=d.programme_id,
                inactive_days=d.inactive_days,
                threshold_days=d.threshold_days,
            )
    return None


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
