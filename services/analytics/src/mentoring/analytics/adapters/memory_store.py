"""The rebuild's state: the whole read model folded in memory, written with COPY into fresh tables.

It answers the fold exactly as the Postgres store would (unknown entities start empty, people
sets only grow), so a rebuild and the incremental projection end with the same rows. New people
memberships and pair-months are streamed out as they appear; entities, cursors and monthly sums
are written once at the end.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Collection, Mapping, Sequence
from dataclasses import fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from mentoring.analytics.adapters.projection import (
    Changes,
    CursorKey,
    Member,
    MetricKey,
    PairKey,
    PairMonth,
    ParticipantKey,
    ProgrammeKey,
    SurveyKey,
    UnitKey,
)
from mentoring.analytics.domain.readmodel import (
    PEOPLE_PREFIX,
    UNIT_PREFIX,
    PairState,
    ParticipantState,
    ProgrammeState,
    SurveyState,
    parse_unit_population,
)
from mentoring.contracts.base import EventData


class MemoryStore:
    """Sums and people sets are keyed by the UUIDs' integers (hashed in C, unlike UUID objects),
    keeping the UUIDs beside them for writing."""

    def __init__(self, *, partial: bool = False) -> None:
        # A partial store folds some partitions only (one process of a parallel rebuild): it
        # neither counts people nor keeps memberships to write; `merge` does both for all.
        self.partial = partial
        self.cursor: dict[int, dict[CursorKey, int]] = {}
        self.programme: dict[ProgrammeKey, ProgrammeState] = {}
        self.participant: dict[ParticipantKey, ParticipantState] = {}
        self.pair: dict[PairKey, PairState] = {}
        self.survey: dict[SurveyKey, SurveyState] = {}
        self._metric: dict[tuple[int, int, date, str], list[Any]] = {}
        self.unit: dict[UnitKey, list[int]] = {}
        self._member: set[IntMember] = set()
        self._pair_month: set[tuple[int, int, str, date]] = set()
        self._months_of_pair: dict[tuple[int, int], list[tuple[str, date, UUID]]] = {}
        # Not yet written out, as integers (written as text, no UUID objects needed).
        self.new_members: list[IntMember] = []
        self.new_pair_months: list[IntPairMonth] = []

    # -- StateSource -----------------------------------------------------------------------

    async def cursors(self, stream: int, events: Sequence[EventData]) -> Mapping[CursorKey, int]:
        # Read only by the fold; the raised cursors come back in the changes.
        return self.cursor.setdefault(stream, {})

    async def programmes(
        self, keys: Collection[ProgrammeKey]
    ) -> dict[ProgrammeKey, ProgrammeState]:
        store = self.programme
        return {k: store.get(k) or store.setdefault(k, ProgrammeState()) for k in keys}

    async def participants(
        self, keys: Collection[ParticipantKey]
    ) -> dict[ParticipantKey, ParticipantState]:
        store = self.participant
        return {k: store.get(k) or store.setdefault(k, ParticipantState()) for k in keys}

    async def pairs(self, wanted: dict[PairKey, UUID]) -> dict[PairKey, PairState]:
        store = self.pair
        out: dict[PairKey, PairState] = {}
        for key, programme in wanted.items():
            pair = store.get(key)
            if pair is None:
                pair = store[key] = PairState(programme)
            out[key] = pair
        return out

    async def surveys(self, keys: Collection[SurveyKey]) -> dict[SurveyKey, SurveyState]:
        store = self.survey
        return {k: store[k] for k in keys if k in store}

    # -- applying a batch ------------------------------------------------------------------

    def apply(self, changes: Changes) -> None:
        """Take in a batch's changes (entities were changed in place by the fold)."""
        self.cursor.setdefault(changes.stream, {}).update(changes.cursors)
        self.survey.update(changes.surveys)
        metric = self._metric
        for tenant, programme, month, name, amount in changes.metrics:
            key = (tenant.int, programme.int, month, name)
            found = metric.get(key)
            if found is None:
                metric[key] = [amount, tenant, programme]
            else:
                found[0] += amount
        for ukey, n in changes.units.items():
            self.unit.setdefault(ukey, [0, 0])[0] += n
        seen, by_pair = self._pair_month, self._months_of_pair
        for pm in changes.pair_months:
            tenant, pair_id, population, month, programme = pm
            pkey = (tenant.int, pair_id.int, population, month)
            if pkey not in seen:
                seen.add(pkey)
                by_pair.setdefault((tenant.int, pair_id.int), []).append(
                    (population, month, programme)
                )
                if not self.partial:
                    self.new_pair_months.append((*pkey, programme.int))
        self._join(changes.members)
        filled: list[Member] = []
        for (tenant, pair_id), pair in changes.backfill.items():
            for population, month, programme in by_pair.get((tenant.int, pair_id.int), ()):
                for person in (pair.mentor_id, pair.mentee_id):
                    assert person is not None
                    filled.append((tenant, programme, population, month, person))
        self._join(filled)

    def _add(self, tenant: UUID, programme: UUID, month: date, name: str, amount: Any) -> None:
        key = (tenant.int, programme.int, month, name)
        found = self._metric.get(key)
        if found is None:
            self._metric[key] = [amount, tenant, programme]
        else:
            found[0] += amount

    def _join(self, members: list[Member]) -> None:
        """New memberships are kept and counted; known ones are dropped."""
        seen, new, metric = self._member, self.new_members, self._metric
        if self.partial:
            seen.update((t.int, g.int, o, m, p.int) for t, g, o, m, p in members)
            return
        for tenant, programme, population, month, person in members:
            key = (tenant.int, programme.int, population, month, person.int)
            if key in seen:
                continue
            seen.add(key)
            new.append(key)
            if population.startswith(UNIT_PREFIX):
                a, b = parse_unit_population(population)
                self.unit.setdefault((tenant, programme, month, a, b), [0, 0])[1] += 1
                continue
            mkey = (key[0], key[1], month, PEOPLE_PREFIX + population)
            found = metric.get(mkey)
            if found is None:
                metric[mkey] = [1, tenant, programme]
            else:
                found[0] += 1

    @property
    def metric(self) -> dict[MetricKey, Decimal]:
        """The monthly sums, keyed as rm_metric_month is."""
        return {
            (tenant, programme, key[2], key[3]): Decimal(amount)
            for key, (amount, tenant, programme) in self._metric.items()
        }

    @property
    def member(self) -> set[Member]:
        """The memberships not streamed out yet (all of them while nothing was)."""
        return {(UUID(int=t), UUID(int=g), o, m, UUID(int=p)) for t, g, o, m, p in self.new_members}

    @property
    def pair_month(self) -> set[PairMonth]:
        return {
            (UUID(int=t), UUID(int=p), o, m, UUID(int=g)) for t, p, o, m, g in self.new_pair_months
        }

    def take_streamed(self) -> tuple[list[IntMember], list[IntPairMonth]]:
        members, self.new_members = self.new_members, []
        pair_months, self.new_pair_months = self.new_pair_months, []
        return members, pair_months


def merge(parts: Sequence[MemoryStore]) -> MemoryStore:
    """One complete store from partial ones, each of which folded a share of every topic's
    partitions (an aggregate's events are all in one of them).

    Entities met by several shares are merged field by field: a participant's enrolment comes
    from one share and the first times it reached each stage are the earliest of any; a pair's
    lifecycle comes from the matching side and its sessions from the sessions side. Monthly sums
    add up, except what depends on more than one share: participants' contributions (taken out
    per share, then counted once from the merged states) and people counts (counted from the
    union of the memberships, after the pairs' people have joined the months they met in).
    """
    out = MemoryStore()
    for part in parts:
        for stream, cursors in part.cursor.items():
            out.cursor.setdefault(stream, {}).update(cursors)
        out.programme.update(part.programme)
        out.survey.update(part.survey)
        for pkey, participant in part.participant.items():
            out.participant[pkey] = _participant(out.participant.get(pkey), participant)
            for (month, name), n in participant.contributions().items():
                out._add(pkey[0], pkey[1], month, name, -n)
        for key, pair in part.pair.items():
            out.pair[key] = _pair(out.pair.get(key), pair)
        for mkey, (amount, tenant, programme) in part._metric.items():
            if not mkey[3].startswith(PEOPLE_PREFIX):
                out._add(tenant, programme, mkey[2], mkey[3], amount)
        for ukey, (pairs, _people) in part.unit.items():
            out.unit.setdefault(ukey, [0, 0])[0] += pairs
        out._member |= part._member
        for (t_int, p_int), months in part._months_of_pair.items():
            for population, month, programme in months:
                seen = (t_int, p_int, population, month)
                if seen not in out._pair_month:
                    out._pair_month.add(seen)
                    out._months_of_pair.setdefault((t_int, p_int), []).append(
                        (population, month, programme)
                    )
                    out.new_pair_months.append((*seen, programme.int))
    for (p_tenant, p_programme, _person), merged_participant in out.participant.items():
        for (month, name), n in merged_participant.contributions().items():
            out._add(p_tenant, p_programme, month, name, n)
    for (tenant, pair_id), merged in out.pair.items():
        if merged.mentor_id is not None and merged.mentee_id is not None:
            for population, month, programme in out._months_of_pair.get(
                (tenant.int, pair_id.int), ()
            ):
                for person in (merged.mentor_id, merged.mentee_id):
                    out._member.add((tenant.int, programme.int, population, month, person.int))
    ids: dict[int, UUID] = {}
    for t_int, g_int, population, month, _person_int in out._member:
        t_uuid = ids.get(t_int) or ids.setdefault(t_int, UUID(int=t_int))
        g_uuid = ids.get(g_int) or ids.setdefault(g_int, UUID(int=g_int))
        if population.startswith(UNIT_PREFIX):
            a, b = parse_unit_population(population)
            out.unit.setdefault((t_uuid, g_uuid, month, a, b), [0, 0])[1] += 1
        else:
            out._add(t_uuid, g_uuid, month, PEOPLE_PREFIX + population, 1)
    out.new_members = list(out._member)
    return out


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b < a) else a


def _participant(a: ParticipantState | None, b: ParticipantState) -> ParticipantState:
    if a is None:
        return b
    enrolment = a if a.enrolled_at is not None or a.role is not None else b
    return ParticipantState(
        role=enrolment.role,
        unit_id=enrolment.unit_id,
        enrolled_at=enrolment.enrolled_at,
        withdrawn_at=enrolment.withdrawn_at,
        first_proposed_at=_earliest(a.first_proposed_at, b.first_proposed_at),
        first_matched_at=_earliest(a.first_matched_at, b.first_matched_at),
        first_completed_at=_earliest(a.first_completed_at, b.first_completed_at),
    )


def _pair(a: PairState | None, b: PairState) -> PairState:
    if a is None:
        return b
    lifecycle = a if a.status is not None or a.mentor_id is not None else b
    merged = replace(lifecycle)
    merged.sessions_logged = a.sessions_logged + b.sessions_logged
    later = [t for t in (a.last_session_at, b.last_session_at) if t is not None]
    merged.last_session_at = max(later) if later else None
    return merged


IntMember = tuple[int, int, str, date, int]
IntPairMonth = tuple[int, int, str, date, int]

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@functools.cache
def _text(value: str) -> str:
    """A value in COPY's text format (people-set names come partly from events)."""
    return value.translate(_ESCAPES)


def _names(state_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(state_type))


def _state_rows(items: dict[Any, Any], state_type: type, *extra: Any) -> list[tuple[Any, ...]]:
    names = _names(state_type)
    return [(*key, *(getattr(state, n) for n in names), *extra) for key, state in items.items()]


class CopyWriter:
    """COPY into a schema's read-model tables (no row-level security on them yet).

    Pairs and programmes record `namespace`, the topic namespace of the deployment running the
    rebuild (it read that namespace's topics), as the incremental projection does."""

    def __init__(self, conn: asyncpg.Connection, schema: str, namespace: str = "") -> None:
        self.conn = conn
        self.schema = schema
        self.namespace = namespace

    async def _copy(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            await self.conn.copy_records_to_table(
                table, records=rows, columns=list(columns), schema_name=self.schema
            )

    async def stream(self, members: list[IntMember], pair_months: list[IntPairMonth]) -> None:
        """The big, insert-only tables, as COPY text: ids as 32 hex digits, made in C."""
        if members:
            await self._copy_text(
                "rm_member",
                ("tenant_id", "programme_id", "population", "month", "person_id"),
                "".join(
                    f"{t:032x}\t{g:032x}\t{_text(o)}\t{m.isoformat()}\t{p:032x}\n"
                    for t, g, o, m, p in members
                ),
            )
        if pair_months:
            await self._copy_text(
                "rm_pair_month",
                ("tenant_id", "pair_id", "population", "month", "programme_id"),
                "".join(
                    f"{t:032x}\t{p:032x}\t{_text(o)}\t{m.isoformat()}\t{g:032x}\n"
                    for t, p, o, m, g in pair_months
                ),
            )

    async def _copy_text(self, table: str, columns: Sequence[str], text: str) -> None:
        await self.conn.copy_to_table(
            table,
            source=io.BytesIO(text.encode()),
            columns=list(columns),
            schema_name=self.schema,
            format="text",
        )

    async def finish(self, store: MemoryStore) -> None:
        await self.stream(*store.take_streamed())
        await self._copy(
            "rm_cursor",
            ("tenant_id", "stream", "subject", "last_sequence"),
            [
                (UUID(int=tenant), stream, UUID(int=subject), sequence)
                for stream, cursors in store.cursor.items()
                for (tenant, subject), sequence in cursors.items()
            ],
        )
        await self._copy(
            "rm_programme",
            ("tenant_id", "programme_id", *_names(ProgrammeState), "namespace"),
            _state_rows(store.programme, ProgrammeState, self.namespace),
        )
        await self._copy(
            "rm_participant",
            ("tenant_id", "programme_id", "participant_id", *_names(ParticipantState)),
            _state_rows(store.participant, ParticipantState),
        )
        await self._copy(
            "rm_pair",
            ("tenant_id", "pair_id", *_names(PairState), "namespace"),
            _state_rows(store.pair, PairState, self.namespace),
        )
        await self._copy(
            "rm_survey",
            ("tenant_id", "survey_id", *_names(SurveyState)),
            _state_rows(store.survey, SurveyState),
        )
        await self._copy(
            "rm_metric_month",
            ("tenant_id", "programme_id", "month", "metric", "amount"),
            [(*k, v) for k, v in store.metric.items() if v],
        )
        await self._copy(
            "rm_unit_month",
            (
                "tenant_id",
                "programme_id",
                "month",
                "mentor_unit_id",
                "mentee_unit_id",
                "pairs",
                "people",
            ),
            [(*k, v[0], v[1]) for k, v in store.unit.items() if v[0] or v[1]],
        )
