"""Domain events of matching -> wire events of the contract (mentoring.contracts).

Each `emit_*` stages the aggregate's recorded events on the unit of work (they reach the outbox
at commit) and clears them.
"""

from __future__ import annotations

from typing import Any

from mentoring.contracts.base import EventData
from mentoring.contracts.events import matching as wire
from mentoring.kit.uow import SqlUnitOfWork
from mentoring.matching.domain import org, pairs, participants, programmes, rounds, tenants


def emit_tenant_events(uow: SqlUnitOfWork, tenant: tenants.Tenant) -> None:
    for event in tenant.events:
        uow.emit(
            wire.TenantProvisioned,
            tenant_id=event.tenant_id,
            occurred_at=event.at,
            name=event.name,
            slug=event.slug,
            default_locale=event.default_locale,
        )
    tenant.events.clear()


def emit_programme_events(uow: SqlUnitOfWork, programme: programmes.Programme) -> None:
    for event in programme.events:
        if isinstance(event, programmes.ProgrammeOpened):
            p, s = event.programme, event.programme.settings
            uow.emit(
                wire.ProgrammeOpened,
                tenant_id=p.tenant_id,
                occurred_at=p.created_at,
                programme_id=p.id,
                name=s.name,
                kind=wire.ProgrammeKind(s.kind.value),
                mode=wire.MatchingMode(s.mode.value),
                starts_on=s.starts_on,
                ends_on=s.ends_on,
                max_mentees_per_mentor=s.max_mentees_per_mentor,
                inactivity_days=s.inactivity_days,
                coordinator_id=p.coordinator_id,
            )
        else:
            uow.emit(
                wire.ProgrammeClosed,
                tenant_id=event.tenant_id,
                occurred_at=event.at,
                programme_id=event.programme_id,
            )
    programme.events.clear()


def emit_participant_events(uow: SqlUnitOfWork, participant: participants.Participant) -> None:
    for event in participant.events:
        if isinstance(event, participants.ParticipantEnrolled):
            p = event.participant
            assert p.consented_at is not None
            uow.emit(
                wire.ParticipantEnrolled,
                tenant_id=p.tenant_id,
                occurred_at=p.consented_at,
                participant_id=p.person_id,
                programme_id=p.programme_id,
                role=wire.ParticipantRole(p.role.value),
                unit_id=event.unit_id,
                consented_at=p.consented_at,
            )
        else:
            uow.emit(
                wire.ParticipantWithdrawn,
                tenant_id=event.tenant_id,
                occurred_at=event.at,
                participant_id=event.person_id,
                programme_id=event.programme_id,
            )
    participant.events.clear()


def emit_person_events(uow: SqlUnitOfWork, person: org.Person) -> None:
    """Only erasure is a public fact; contact changes travel as profile records."""
    for event in person.events:
        if isinstance(event, org.PersonErased):
            uow.emit(
                wire.ParticipantErased,
                tenant_id=event.tenant_id,
                occurred_at=event.at,
                participant_id=event.person_id,
            )
    person.events.clear()


def _members(p: pairs.Pair) -> dict[str, Any]:
    return {
        "tenant_id": p.tenant_id,
        "pair_id": p.id,
        "programme_id": p.programme_id,
        "mentor_id": p.mentor_id,
        "mentee_id": p.mentee_id,
    }


def pair_wire_events(pair: pairs.Pair) -> list[tuple[type[EventData], dict[str, Any]]]:
    out: list[tuple[type[EventData], dict[str, Any]]] = []
    for event in pair.events:
        p = event.pair
        if isinstance(event, pairs.PairProposed):
            out.append(
                (
                    wire.PairProposed,
                    {
                        **_members(p),
                        "occurred_at": p.proposed_at,
                        "round_id": p.round_id,
                        "mentor_unit_id": p.mentor_unit_id,
                        "mentee_unit_id": p.mentee_unit_id,
                        "score": p.score,
                        "explanation": [
                            wire.Contribution(criterion=c, contribution=v) for c, v in p.explanation
                        ],
                    },
                )
            )
        elif isinstance(event, pairs.PairCreated):
            out.append(
                (
                    wire.PairCreated,
                    {
                        **_members(p),
                        "occurred_at": p.activated_at,
                        "mentor_unit_id": p.mentor_unit_id,
                        "mentee_unit_id": p.mentee_unit_id,
                        "proposed_at": p.proposed_at,
                    },
                )
            )
        elif isinstance(event, pairs.PairDeclined):
            declined_by = wire.PairSide(event.by.value) if event.by else None
            out.append(
                (
                    wire.PairDeclined,
                    {**_members(p), "occurred_at": p.closed_at, "declined_by": declined_by},
                )
            )
        elif isinstance(event, pairs.PairEnded):
            out.append(
                (
                    wire.PairEnded,
                    {
                        **_members(p),
                        "occurred_at": p.closed_at,
                        "reason": wire.PairEndReason(event.reason.value),
                    },
                )
            )
        else:
            out.append(
                (
                    wire.PairFlagged,
                    {
                        **_members(p),
                        "occurred_at": event.at,
                        "flag": wire.PairFlag(event.flag.value),
                    },
                )
            )
    pair.events.clear()
    return out


def emit_pair_events(uow: SqlUnitOfWork, pair: pairs.Pair) -> None:
    for event_type, fields in pair_wire_events(pair):
        uow.emit(event_type, **fields)


def emit_round_events(uow: SqlUnitOfWork, round_: rounds.Round) -> None:
    for event in round_.events:
        r = event.round
        uow.emit(
            wire.RoundCompleted,
            tenant_id=r.tenant_id,
            occurred_at=r.published_at,
            round_id=r.id,
            programme_id=r.programme_id,
            mode=wire.MatchingMode(r.mode.value),
            proposals=r.published,
            mentees_in_pool=r.mentees_in_pool,
            mentees_unmatched=max(0, r.mentees_in_pool - r.published),
            total_score=r.total_score,
        )
    round_.events.clear()
