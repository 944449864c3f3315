"""Fold a batch of events of one topic into read-model changes: shared by the incremental
projection (state loaded from Postgres, rows locked) and the rebuild (state kept in memory).

An event whose `sequence` is not above its aggregate's cursor is a duplicate and has no effect.
Entity rows (programmes, participants, pairs, surveys) are loaded, changed in event order and
written back whole; monthly sums of participants and pairs change by `after - before` of their
contributions; events of sessions and notifications add to the monthly sums directly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import Any, Protocol
from uuid import UUID

from mentoring.analytics.domain import readmodel as rm
from mentoring.analytics.domain.months import month_of
from mentoring.analytics.domain.readmodel import (
    PairState,
    ParticipantState,
    ProgrammeState,
    SurveyState,
)
from mentoring.contracts import topics
from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching as m
from mentoring.contracts.events import notifications as n
from mentoring.contracts.events import sessions as s


class Stream(IntEnum):
    """The topic an aggregate's cursor belongs to (a pair has one on matching, one on sessions)."""

    MATCHING = 1
    SESSIONS = 2
    NOTIFICATIONS = 3


STREAM_TOPICS = {
    Stream.MATCHING: topics.MATCHING,
    Stream.SESSIONS: topics.SESSIONS,
    Stream.NOTIFICATIONS: topics.NOTIFICATIONS,
}

# The worker's projection subscriptions (their consumer groups are `<group>.<name>`).
PROJECTION_SUBSCRIPTIONS = {
    Stream.MATCHING: "projection-matching",
    Stream.SESSIONS: "projection-sessions",
    Stream.NOTIFICATIONS: "projection-notifications",
}

TENANT_WIDE = UUID(int=0)  # the "programme" of tenant-level sums (notifications)

CursorKey = tuple[int, int]  # (tenant, aggregate) as integers, within one stream
ProgrammeKey = tuple[UUID, UUID]
ParticipantKey = tuple[UUID, UUID, UUID]
PairKey = tuple[UUID, UUID]
SurveyKey = tuple[UUID, UUID]
MetricKey = tuple[UUID, UUID, date, str]
MetricEntry = tuple[UUID, UUID, date, str, int | Decimal]
UnitKey = tuple[UUID, UUID, date, UUID, UUID]
Member = tuple[UUID, UUID, str, date, UUID]
PairMonth = tuple[UUID, UUID, str, date, UUID]


class StateSource(Protocol):
    """Where the fold reads current state (and, for Postgres, locks it until commit)."""

    async def cursors(self, stream: int, events: Sequence[EventData]) -> Mapping[CursorKey, int]:
        """The last sequence of each aggregate of the events in the stream (absent: none)."""
        ...

    async def programmes(
        self, keys: Collection[ProgrammeKey]
    ) -> dict[ProgrammeKey, ProgrammeState]: ...

    async def participants(
        self, keys: Collection[ParticipantKey]
    ) -> dict[ParticipantKey, ParticipantState]: ...

    async def pairs(self, wanted: dict[PairKey, UUID]) -> dict[PairKey, PairState]:
        """Every wanted pair, created empty (with the given programme) when unknown."""
        ...

    async def surveys(self, keys: Collection[SurveyKey]) -> dict[SurveyKey, SurveyState]: ...


@dataclass
class Changes:
    """What one batch changes. Sums and memberships are logs (stores add them up and drop the
    memberships they already have): appending is what keeps the fold cheap per event."""

    stream: int = 0
    cursors: dict[CursorKey, int] = field(default_factory=dict)
    programmes: dict[ProgrammeKey, ProgrammeState] = field(default_factory=dict)
    participants: dict[ParticipantKey, ParticipantState] = field(default_factory=dict)
    pairs: dict[PairKey, PairState] = field(default_factory=dict)
    surveys: dict[SurveyKey, SurveyState] = field(default_factory=dict)
    metrics: list[MetricEntry] = field(default_factory=list)
    units: dict[UnitKey, int] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    pair_months: list[PairMonth] = field(default_factory=list)
    backfill: dict[PairKey, PairState] = field(default_factory=dict)
    applied: int = 0

    def add(self, tenant: UUID, programme: UUID, month: date, metric: str, amount: int) -> None:
        self.metrics.append((tenant, programme, month, metric, amount))


def subject_of(event: EventData) -> UUID:
    value = getattr(event, event.subject_field)
    return value if type(value) is UUID else UUID(str(value))


async def fold(stream: Stream, events: Sequence[EventData], source: StateSource) -> Changes:
    """The changes a batch of one topic's events makes, duplicates left out."""
    stream_id = int(stream)
    changes = Changes(stream=stream_id)
    before = await source.cursors(stream_id, events)
    raised = changes.cursors
    accepted: list[EventData] = []
    for event in events:
        key = (event.tenant_id.int, subject_of(event).int)
        last = raised.get(key)
        if last is None:
            last = before.get(key, 0)
        if event.sequence > last:
            raised[key] = event.sequence
            accepted.append(event)
    changes.applied = len(accepted)
    if not accepted:
        return changes
    if stream is Stream.MATCHING:
        await _fold_matching(accepted, source, changes)
    elif stream is Stream.SESSIONS:
        await _fold_sessions(accepted, source, changes)
    else:
        _fold_notifications(accepted, changes)
    return changes


_PAIR_EVENTS = (m.PairProposed, m.PairDeclined, m.PairCreated, m.PairEnded)


async def _fold_matching(
    events: Sequence[EventData], source: StateSource, changes: Changes
) -> None:
    programme_keys: set[ProgrammeKey] = set()
    participant_keys: set[ParticipantKey] = set()
    pair_keys: dict[PairKey, UUID] = {}
    for e in events:
        if isinstance(e, m.ProgrammeOpened | m.ProgrammeClosed):
            programme_keys.add((e.tenant_id, e.programme_id))
        elif isinstance(e, m.ParticipantEnrolled | m.ParticipantWithdrawn):
            participant_keys.add((e.tenant_id, e.programme_id, e.participant_id))
        elif isinstance(e, _PAIR_EVENTS):
            pair_keys.setdefault((e.tenant_id, e.pair_id), e.programme_id)
            participant_keys.add((e.tenant_id, e.programme_id, e.mentee_id))
    pairs = await source.pairs(pair_keys) if pair_keys else {}
    participants = await source.participants(participant_keys) if participant_keys else {}
    programmes = await source.programmes(programme_keys) if programme_keys else {}

    pairs_before = {k: (p.contributions(), p.unit_cell(), p.people_known) for k, p in pairs.items()}
    participants_before = {k: p.contributions() for k, p in participants.items()}

    for e in events:
        t = e.tenant_id
        if isinstance(e, m.ProgrammeOpened):
            g = programmes[(t, e.programme_id)]
            g.name, g.kind = e.name, e.kind.value
            g.starts_on, g.ends_on = e.starts_on, e.ends_on
            g.inactivity_days, g.opened_at = e.inactivity_days, e.occurred_at
        elif isinstance(e, m.ProgrammeClosed):
            programmes[(t, e.programme_id)].closed_at = e.occurred_at
        elif isinstance(e, m.ParticipantEnrolled):
            participants[(t, e.programme_id, e.participant_id)].enrol(
                e.role.value, e.unit_id, e.occurred_at
            )
        elif isinstance(e, m.ParticipantWithdrawn):
            participants[(t, e.programme_id, e.participant_id)].withdraw(e.occurred_at)
        elif isinstance(e, m.PairProposed):
            pair = pairs[(t, e.pair_id)]
            pair.learn(e.mentor_id, e.mentee_id, e.mentor_unit_id, e.mentee_unit_id)
            pair.propose(e.occurred_at)
            participants[(t, e.programme_id, e.mentee_id)].proposed(e.occurred_at)
        elif isinstance(e, m.PairDeclined):
            pair = pairs[(t, e.pair_id)]
            pair.learn(e.mentor_id, e.mentee_id)
            pair.decline(e.occurred_at)
        elif isinstance(e, m.PairCreated):
            pair = pairs[(t, e.pair_id)]
            pair.learn(e.mentor_id, e.mentee_id, e.mentor_unit_id, e.mentee_unit_id)
            pair.create(e.occurred_at, e.proposed_at)
            mentee = participants[(t, e.programme_id, e.mentee_id)]
            mentee.proposed(e.proposed_at)
            mentee.matched(e.occurred_at)
        elif isinstance(e, m.PairEnded):
            pair = pairs[(t, e.pair_id)]
            pair.learn(e.mentor_id, e.mentee_id)
            pair.end(e.occurred_at, e.reason.value)
            if e.reason is m.PairEndReason.COMPLETED:
                participants[(t, e.programme_id, e.mentee_id)].completed(e.occurred_at)
        # Other types (tenant provisioning, rounds, erasure, flags) change no figure.

    for key, pair in pairs.items():
        tenant = key[0]
        contributions, cell, knew_people = pairs_before[key]
        _add_delta(changes, tenant, pair.programme_id, contributions, pair.contributions())
        after_cell = pair.unit_cell()
        if after_cell != cell:
            for sign, c in ((-1, cell), (1, after_cell)):
                if c is not None:
                    unit_key = (tenant, pair.programme_id, *c)
                    changes.units[unit_key] = changes.units.get(unit_key, 0) + sign
        if pair.mentor_id is not None and pair.mentee_id is not None:
            for population, month in pair.memberships():
                for person in (pair.mentor_id, pair.mentee_id):
                    changes.members.append((tenant, pair.programme_id, population, month, person))
            if not knew_people:
                changes.backfill[key] = pair
    for pkey, participant in participants.items():
        _add_delta(
            changes, pkey[0], pkey[1], participants_before[pkey], participant.contributions()
        )
    changes.pairs = pairs
    changes.participants = participants
    changes.programmes = programmes


def _add_delta(
    changes: Changes,
    tenant: UUID,
    programme: UUID,
    before: rm.Contribution,
    after: rm.Contribution,
) -> None:
    for (month, metric), amount in rm.contribution_delta(before, after).items():
        changes.add(tenant, programme, month, metric, amount)


@dataclass
class _Batch:
    """The state a sessions batch folds into."""

    changes: Changes
    pairs: dict[PairKey, PairState]
    surveys: dict[SurveyKey, SurveyState]
    dirty_pairs: dict[PairKey, PairState] = field(default_factory=dict)
    dirty_surveys: dict[SurveyKey, SurveyState] = field(default_factory=dict)


async def _fold_sessions(
    events: Sequence[EventData], source: StateSource, changes: Changes
) -> None:
    pair_keys: dict[PairKey, UUID] = {}
    survey_keys: set[SurveyKey] = set()
    for e in events:
        kind = type(e)
        if kind in _PAIR_TYPES:  # only these need the pair (its people); the rest name it only
            pair_keys.setdefault((e.tenant_id, _pair_of(e)), _programme_of(e))
        elif kind in _SURVEY_TYPES:
            survey_keys.add((e.tenant_id, e.survey_id))  # type: ignore[attr-defined]
    batch = _Batch(
        changes,
        await source.pairs(pair_keys) if pair_keys else {},
        await source.surveys(survey_keys) if survey_keys else {},
    )
    for e in events:
        handler = _SESSION_HANDLERS.get(type(e))
        if handler is not None:
            handler(e, batch)  # other types (survey_due of ...) change no figure
    changes.pairs = batch.dirty_pairs
    changes.surveys = batch.dirty_surveys


def _logged(e: Any, b: _Batch) -> None:
    t, programme, key = e.tenant_id, e.programme_id, (e.tenant_id, e.pair_id)
    month = month_of(e.held_at)
    add = b.changes.metrics.append
    add((t, programme, month, rm.SESSIONS_LOGGED, 1))
    add((t, programme, month, rm.SESSION_MINUTES, e.duration_minutes))
    pair = b.pairs[key]
    pair.log_session(e.held_at)
    b.dirty_pairs[key] = pair
    _pair_people(b.changes, pair, key, programme, rm.SESSION, month)


def _feedback(e: Any, b: _Batch) -> None:
    t, programme = e.tenant_id, e.programme_id
    month = month_of(e.occurred_at)
    add = b.changes.metrics.append
    add((t, programme, month, rm.FEEDBACK, 1))
    add((t, programme, month, rm.RATING_SUM, e.rating))
    add((t, programme, month, rm.rating_count(e.rating), 1))
    b.changes.members.append((t, programme, rm.RATED, month, e.participant_id))
    if e.fit_check is not None:
        add((t, programme, month, rm.FIT_CHECKS, 1))
        if not e.fit_check:
            add((t, programme, month, rm.FIT_CHECK_FAILURES, 1))
        b.changes.members.append((t, programme, rm.FIT_CHECKED, month, e.participant_id))


def _scheduled(e: Any, b: _Batch) -> None:
    if e.revision == 0:
        b.changes.add(
            e.tenant_id, e.programme_id, month_of(e.occurred_at), rm.SESSIONS_SCHEDULED, 1
        )


def _cancelled(e: Any, b: _Batch) -> None:
    b.changes.add(e.tenant_id, e.programme_id, month_of(e.occurred_at), rm.SESSIONS_CANCELLED, 1)


def _goal_set(e: Any, b: _Batch) -> None:
    key = (e.tenant_id, e.pair_id)
    month = month_of(e.occurred_at)
    b.changes.add(e.tenant_id, e.programme_id, month, rm.GOALS_SET, 1)
    _pair_people(b.changes, b.pairs[key], key, e.programme_id, rm.GOAL, month)


def _goal_achieved(e: Any, b: _Batch) -> None:
    b.changes.add(e.tenant_id, e.programme_id, month_of(e.occurred_at), rm.GOALS_ACHIEVED, 1)


def _agreement(e: Any, b: _Batch) -> None:
    b.changes.add(e.tenant_id, e.programme_id, month_of(e.signed_at), rm.AGREEMENTS_SIGNED, 1)


def _survey_due(e: Any, b: _Batch) -> None:
    t, programme, skey = e.tenant_id, e.programme_id, (e.tenant_id, e.survey_id)
    if skey in b.surveys:
        return
    survey = SurveyState(programme, e.pair_id, e.participant_id, e.instrument, e.wave, e.due_at)
    b.surveys[skey] = b.dirty_surveys[skey] = survey
    month = month_of(e.due_at)
    if e.instrument == rm.CHECKIN_INSTRUMENT:
        b.changes.add(t, programme, month, rm.CHECKINS_DUE, 1)
        b.changes.members.append((t, programme, rm.CHECKIN, month, e.participant_id))
    else:
        b.changes.add(t, programme, month, rm.pulse_metric(e.instrument, e.wave, "due"), 1)


def _survey_submitted(e: Any, b: _Batch) -> None:
    _submit_survey(e, b.surveys, b.dirty_surveys, b.changes)


_SURVEY_TYPES: frozenset[type] = frozenset((s.SurveyDue, s.SurveySubmitted))
_PAIR_TYPES: frozenset[type] = frozenset((s.SessionLogged, s.GoalSet))

_SESSION_HANDLERS: dict[type[EventData], Callable[[Any, _Batch], None]] = {
    s.SessionLogged: _logged,
    s.FeedbackSubmitted: _feedback,
    s.SessionScheduled: _scheduled,
    s.SessionCancelled: _cancelled,
    s.GoalSet: _goal_set,
    s.GoalAchieved: _goal_achieved,
    s.AgreementSigned: _agreement,
    s.SurveyDue: _survey_due,
    s.SurveySubmitted: _survey_submitted,
}


def _pair_of(event: Any) -> UUID:
    """Every event on the sessions topic carries its pair and programme (the key is the pair)."""
    pair_id: UUID = event.pair_id
    return pair_id


def _programme_of(event: Any) -> UUID:
    programme_id: UUID = event.programme_id
    return programme_id


def _pair_people(  # noqa: PLR0917 - called per event: positional is cheaper
    changes: Changes,
    pair: PairState,
    key: PairKey,
    programme: UUID,
    population: str,
    month: date,
) -> None:
    """A pair-level fact: kept per pair and month; its people join now if known, else when the
    matching side tells who they are (the backfill)."""
    tenant, pair_id = key
    changes.pair_months.append((tenant, pair_id, population, month, programme))
    if pair.mentor_id is not None and pair.mentee_id is not None:
        changes.members.append((tenant, programme, population, month, pair.mentor_id))
        changes.members.append((tenant, programme, population, month, pair.mentee_id))


def _submit_survey(
    e: s.SurveySubmitted,
    surveys: dict[SurveyKey, SurveyState],
    dirty: dict[SurveyKey, SurveyState],
    changes: Changes,
) -> None:
    t, programme, skey = e.tenant_id, e.programme_id, (e.tenant_id, e.survey_id)
    survey = surveys.get(skey)
    if survey is not None and survey.submitted_at is not None:
        return  # one answer per survey
    if survey is None:  # answered without a due event: due when answered
        survey = SurveyState(
            programme, e.pair_id, e.participant_id, e.instrument, e.wave, e.occurred_at
        )
        surveys[skey] = survey
        if e.instrument == rm.CHECKIN_INSTRUMENT:
            month = month_of(e.occurred_at)
            changes.add(t, programme, month, rm.CHECKINS_DUE, 1)
            changes.members.append((t, programme, rm.CHECKIN, month, e.participant_id))
    survey.submitted_at = e.occurred_at
    dirty[skey] = survey
    if e.instrument == rm.CHECKIN_INSTRUMENT:
        due = month_of(survey.due_at or e.occurred_at)
        changes.add(t, programme, due, rm.CHECKINS_SUBMITTED, 1)
    else:
        month = month_of(e.occurred_at)
        metrics = changes.metrics
        metrics.append((t, programme, month, rm.pulse_metric(e.instrument, e.wave, "n"), 1))
        metrics.append(
            (
                t,
                programme,
                month,
                rm.pulse_metric(e.instrument, e.wave, "sum"),
                Decimal(repr(e.score)),
            )
        )
        changes.members.append(
            (t, programme, rm.pulse_population(e.instrument, e.wave), month, e.participant_id)
        )


def _fold_notifications(events: Sequence[EventData], changes: Changes) -> None:
    for e in events:
        if isinstance(e, n.NotificationSent | n.NotificationFailed):
            month = month_of(e.occurred_at)
            metric = (
                rm.NOTIFICATIONS_SENT
                if isinstance(e, n.NotificationSent)
                else rm.NOTIFICATIONS_FAILED
            )
            changes.add(e.tenant_id, TENANT_WIDE, month, metric, 1)
            if e.recipient_id is not None:
                changes.members.append(
                    (e.tenant_id, TENANT_WIDE, rm.NOTIFIED, month, e.recipient_id)
                )
