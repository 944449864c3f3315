"""Who hears about what: the rules, and the planner that applies them to a batch of facts.

The planner keeps the read models (programmes, pairs, sessions) current as it goes, so a batch
that opens a programme and completes its round resolves the coordinator. An intent whose pair or
programme is not known yet is parked and resolved when that read model arrives.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from mentoring.notifications.domain.model import (
    CoordinatorOf,
    Draft,
    Fact,
    Intent,
    Kind,
    MembersOf,
    Pair,
    PairCreated,
    PairEnded,
    PairInactive,
    PairProposed,
    PairStatus,
    Parked,
    ParticipantErased,
    Person,
    Programme,
    ProgrammeOpened,
    ReminderDraft,
    RoundCompleted,
    Session,
    SessionCancelled,
    SessionScheduled,
    Snapshot,
    StoredParked,
    SurveyDue,
)


@dataclass
class Plan:
    """Everything one batch changes, written in one transaction by the adapters."""

    programmes: dict[UUID, Programme] = field(default_factory=dict)
    pairs: dict[UUID, Pair] = field(default_factory=dict)
    sessions: dict[UUID, Session] = field(default_factory=dict)
    drafts: list[Draft] = field(default_factory=list)
    reminders: dict[tuple[str, UUID], ReminderDraft] = field(default_factory=dict)
    cancelled_groups: set[str] = field(default_factory=set)
    cancelled_pairs: set[UUID] = field(default_factory=set)
    parked: list[Parked] = field(default_factory=list)
    unparked: list[UUID] = field(default_factory=list)
    erased: set[UUID] = field(default_factory=set)

    def recipients(self) -> set[UUID]:
        return {d.recipient_id for d in self.drafts} | {
            r.recipient_id for r in self.reminders.values()
        }

    def drop_recipients(self, people: set[UUID]) -> None:
        """Nothing is recorded for people who were erased."""
        if not people:
            return
        self.drafts = [d for d in self.drafts if d.recipient_id not in people]
        self.reminders = {k: r for k, r in self.reminders.items() if r.recipient_id not in people}


class Planner:
    def __init__(self, snapshot: Snapshot, now: datetime, *, session_reminder_lead: timedelta):
        self.now = now
        self.lead = session_reminder_lead
        self.programmes = dict(snapshot.programmes)
        self.pairs = dict(snapshot.pairs)
        self.sessions = dict(snapshot.sessions)
        self._stored_parked = list(snapshot.parked)
        self.plan = Plan()

    # -- facts -----------------------------------------------------------------------------

    def apply(self, fact: Fact) -> None:
        match fact:
            case ProgrammeOpened():
                self._programme_opened(fact)
            case PairProposed():
                self._pair_proposed(fact)
            case PairCreated():
                self._pair_created(fact)
            case PairEnded():
                self._pair_ended(fact)
            case RoundCompleted():
                self._route(
                    Intent(
                        Kind.ROUND_COMPLETED,
                        CoordinatorOf(fact.programme_id),
                        {
                            "programme_id": str(fact.programme_id),
                            "round_id": str(fact.round_id),
                            "proposals": fact.proposals,
                            "mentees_in_pool": fact.mentees_in_pool,
                            "mentees_unmatched": fact.mentees_unmatched,
                        },
                        fact.event_id,
                    )
                )
            case ParticipantErased():
                self._erase(fact.person_id)
            case SessionScheduled():
                self._session_scheduled(fact)
            case SessionCancelled():
                self._session_cancelled(fact)
            case SurveyDue():
                self._survey_due(fact)
            case PairInactive():
                self._pair_inactive(fact)

    def _programme_opened(self, fact: ProgrammeOpened) -> None:
        programme = Programme(
            fact.programme_id, fact.name, fact.coordinator_id, fact.inactivity_days
        )
        self.programmes[fact.programme_id] = self.plan.programmes[fact.programme_id] = programme
        self._unpark("programme", fact.programme_id)

    def _set_pair(self, pair: Pair) -> None:
        self.pairs[pair.pair_id] = self.plan.pairs[pair.pair_id] = pair
        self._unpark("pair", pair.pair_id)

    def _pair_proposed(self, fact: PairProposed) -> None:
        known = self.pairs.get(fact.pair_id)
        if known is None or known.status is PairStatus.PROPOSED:
            self._set_pair(
                Pair(
                    fact.pair_id,
                    fact.programme_id,
                    fact.mentor_id,
                    fact.mentee_id,
                    PairStatus.PROPOSED,
                )
            )
        self._route(
            Intent(Kind.PAIR_PROPOSED, MembersOf(fact.pair_id), _pair_params(fact), fact.event_id)
        )

    def _pair_created(self, fact: PairCreated) -> None:
        known = self.pairs.get(fact.pair_id)
        if known is None or known.status is not PairStatus.ENDED:
            self._set_pair(
                Pair(
                    fact.pair_id,
                    fact.programme_id,
                    fact.mentor_id,
                    fact.mentee_id,
                    PairStatus.ACTIVE,
                )
            )
        params = _pair_params(fact)
        self._route(Intent(Kind.PAIR_CREATED, MembersOf(fact.pair_id), params, fact.event_id))
        self._route(
            Intent(
                Kind.PAIR_CREATED_COORDINATOR,
                CoordinatorOf(fact.programme_id),
                params,
                fact.event_id,
            )
        )

    def _pair_ended(self, fact: PairEnded) -> None:
        self._set_pair(
            Pair(fact.pair_id, fact.programme_id, fact.mentor_id, fact.mentee_id, PairStatus.ENDED)
        )
        self.plan.cancelled_pairs.add(fact.pair_id)
        self.plan.reminders = {
            k: r for k, r in self.plan.reminders.items() if r.pair_id != fact.pair_id
        }

    def _session_scheduled(self, fact: SessionScheduled) -> None:
        session = fact.session
        known = self.sessions.get(session.session_id)
        if known is not None and known.revision > session.revision:
            return  # an older schedule arriving late
        self.sessions[session.session_id] = self.plan.sessions[session.session_id] = session
        group = f"session:{session.session_id}"
        self._cancel_group(group)
        params = {
            "pair_id": str(session.pair_id),
            "programme_id": str(session.programme_id),
            **session.params(),
        }
        self._route(
            Intent(
                Kind.SESSION_SCHEDULED,
                MembersOf(session.pair_id, except_person=session.scheduled_by),
                params,
                fact.event_id,
            )
        )
        remind_at = session.starts_at - self.lead
        if remind_at > self.now:
            self._route(
                Intent(
                    Kind.SESSION_REMINDER,
                    MembersOf(session.pair_id),
                    params,
                    fact.event_id,
                    due_at=remind_at,
                    reminder_group=group,
                )
            )

    def _session_cancelled(self, fact: SessionCancelled) -> None:
        known = self.sessions.get(fact.session_id)
        if known is not None and known.revision > fact.revision:
            return
        self._cancel_group(f"session:{fact.session_id}")
        params: dict[str, Any] = {
            "pair_id": str(fact.pair_id),
            "programme_id": str(fact.programme_id),
            "session_id": str(fact.session_id),
            "revision": fact.revision,
        }
        if known is not None:
            cancelled = dataclasses.replace(known, cancelled=True, revision=fact.revision)
            self.sessions[fact.session_id] = self.plan.sessions[fact.session_id] = cancelled
            params.update(cancelled.params())
        params["cancelled"] = True
        self._route(Intent(Kind.SESSION_CANCELLED, MembersOf(fact.pair_id), params, fact.event_id))

    def _survey_due(self, fact: SurveyDue) -> None:
        later = fact.due_at > self.now
        self._route(
            Intent(
                Kind.SURVEY_DUE,
                Person(fact.participant_id),
                {
                    "pair_id": str(fact.pair_id),
                    "programme_id": str(fact.programme_id),
                    "survey_id": str(fact.survey_id),
                    "instrument": fact.instrument,
                    "wave": fact.wave,
                    "due_at": fact.due_at.isoformat(),
                },
                fact.event_id,
                due_at=fact.due_at if later else None,
                reminder_group=f"survey:{fact.survey_id}" if later else None,
            )
        )

    def _pair_inactive(self, fact: PairInactive) -> None:
        params = {
            "pair_id": str(fact.pair_id),
            "programme_id": str(fact.programme_id),
            "inactive_days": fact.inactive_days,
            "threshold_days": fact.threshold_days,
        }
        self._route(Intent(Kind.INACTIVITY_NUDGE, MembersOf(fact.pair_id), params, fact.event_id))
        self._route(
            Intent(Kind.PAIR_INACTIVE, CoordinatorOf(fact.programme_id), params, fact.event_id)
        )

    def _erase(self, person: UUID) -> None:
        self.plan.erased.add(person)
        self.plan.drop_recipients({person})

    # -- recipients ------------------------------------------------------------------------

    def _route(self, intent: Intent) -> None:
        targets: list[tuple[UUID, dict[str, Any]]]
        match intent.recipient:
            case Person(person_id=person):
                targets = [(person, {})]
            case CoordinatorOf(programme_id=programme_id):
                programme = self.programmes.get(programme_id)
                if programme is None:
                    self.plan.parked.append(Parked("programme", programme_id, intent))
                    return
                if programme.coordinator_id is None:
                    return
                targets = [(programme.coordinator_id, {})]
            case MembersOf(pair_id=pair_id, except_person=excluded):
                pair = self.pairs.get(pair_id)
                if pair is None:
                    self.plan.parked.append(Parked("pair", pair_id, intent))
                    return
                targets = [
                    (m, {"partner_id": str(pair.partner_of(m)), "role": pair.role_of(m)})
                    for m in pair.members()
                    if m != excluded
                ]
        dedupe_key = f"{intent.cause_event_id}/{intent.kind.value}"
        for person, extra in targets:
            if person in self.plan.erased:
                continue
            params = {**intent.params, **extra} if extra else dict(intent.params)
            if intent.due_at is not None and intent.due_at > self.now:
                group = intent.reminder_group or f"{intent.kind}:{intent.cause_event_id}"
                pair_ref = params.get("pair_id")
                self.plan.reminders[(group, person)] = ReminderDraft(
                    group_key=group,
                    recipient_id=person,
                    pair_id=UUID(str(pair_ref)) if pair_ref else None,
                    kind=intent.kind,
                    params=params,
                    due_at=intent.due_at,
                    cause_event_id=intent.cause_event_id,
                )
            else:
                self.plan.drafts.append(
                    Draft(
                        recipient_id=person,
                        kind=intent.kind,
                        params=params,
                        cause_event_id=intent.cause_event_id,
                        dedupe_key=dedupe_key,
                    )
                )

    def _unpark(self, awaiting: str, awaiting_id: UUID) -> None:
        if not self.plan.parked and not self._stored_parked:
            return
        waiting = [
            p for p in self.plan.parked if (p.awaiting, p.awaiting_id) == (awaiting, awaiting_id)
        ]
        self.plan.parked = [p for p in self.plan.parked if p not in waiting]
        for stored in self._stored_parked:
            if (stored.parked.awaiting, stored.parked.awaiting_id) == (awaiting, awaiting_id):
                self.plan.unparked.append(stored.parked_id)
                waiting.append(stored.parked)
        self._stored_parked = [
            s for s in self._stored_parked if s.parked_id not in set(self.plan.unparked)
        ]
        for parked in waiting:
            self._route(parked.intent)

    def resume(self, stored: list[StoredParked]) -> None:
        """Route parked intents whose pair or programme is now known (a sweep for the race of
        two workers: one parks while the other records what it waits for)."""
        for item in stored:
            parked = item.parked
            known = self.programmes if parked.awaiting == "programme" else self.pairs
            if parked.awaiting_id in known:
                self.plan.unparked.append(item.parked_id)
                self._route(parked.intent)

    def _cancel_group(self, group: str) -> None:
        self.plan.cancelled_groups.add(group)
        self.plan.reminders = {k: r for k, r in self.plan.reminders.items() if k[0] != group}


def _pair_params(fact: PairProposed | PairCreated) -> dict[str, Any]:
    return {"pair_id": str(fact.pair_id), "programme_id": str(fact.programme_id)}
