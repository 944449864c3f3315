"""The read model's entities as the projection folds them, and what each adds to the monthly sums.

Participants and pairs are folded from events of several aggregates (a mentee's first match comes
from a pair event, their enrolment from a participant event, on other partitions), so their monthly
contributions are derived from their state: a batch adds `after - before`, whatever the order in
which the facts arrived. People sets ("memberships") only grow, so a rebuild and an incremental run
end with the same sets and the same counts of people.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from mentoring.analytics.domain.months import month_of

# Monthly sums (rm_metric_month.metric). A metric is summed over months and programmes.
MENTORS_ENROLLED = "mentors_enrolled"
MENTORS_WITHDRAWN = "mentors_withdrawn"
MENTEES_ENROLLED = "mentees_enrolled"
MENTEES_WITHDRAWN = "mentees_withdrawn"
MENTEES_PROPOSED = "mentees_proposed"
MENTEES_MATCHED = "mentees_matched"
MENTEES_COMPLETED = "mentees_completed"
MATCH_SECONDS = "match_seconds"
PAIRS_PROPOSED = "pairs_proposed"
PAIRS_DECLINED = "pairs_declined"
PAIRS_CREATED = "pairs_created"
PAIRS_ENDED = "pairs_ended"
PAIRS_UNITS_KNOWN = "pairs_units_known"
PAIRS_CROSS_UNIT = "pairs_cross_unit"
SESSIONS_SCHEDULED = "sessions_scheduled"
SESSIONS_CANCELLED = "sessions_cancelled"
SESSIONS_LOGGED = "sessions_logged"
SESSION_MINUTES = "session_minutes"
AGREEMENTS_SIGNED = "agreements_signed"
GOALS_SET = "goals_set"
GOALS_ACHIEVED = "goals_achieved"
FEEDBACK = "feedback"
RATING_SUM = "rating_sum"
FIT_CHECKS = "fit_checks"
FIT_CHECK_FAILURES = "fit_check_failures"
CHECKINS_DUE = "checkins_due"
CHECKINS_SUBMITTED = "checkins_submitted"
NOTIFICATIONS_SENT = "notifications_sent"
NOTIFICATIONS_FAILED = "notifications_failed"

END_REASONS = ("completed", "rematch", "withdrawn", "inactive")
RATINGS = (1, 2, 3, 4, 5)
CHECKIN_INSTRUMENT = "checkin"
PULSE_WAVES = ("start", "middle", "end")


def pairs_ended(reason: str) -> str:
    return f"pairs_ended_{reason}"


def rating_count(rating: int) -> str:
    return f"rating_{rating}"


def pulse_metric(instrument: str, wave: str, part: str) -> str:
    """`part`: n (responses), sum (of scores) or due (surveys issued)."""
    return f"pulse:{instrument}:{wave}:{part}"


# People sets (rm_member.population); their sizes per programme and month are kept as the metric
# `people:<population>` (or, for a unit pair, as rm_unit_month.people).
SESSION = "session"
GOAL = "goal"
RATED = "feedback"
FIT_CHECKED = "fit_check"
CHECKIN = "checkin"
NOTIFIED = "notified"
PROPOSAL_RESOLVED = "proposal_resolved"
PAIR_CREATED = "pair_created"
UNITS_KNOWN = "units_known"
PEOPLE_PREFIX = "people:"
UNIT_PREFIX = "unit:"


def people(population: str) -> str:
    return PEOPLE_PREFIX + population


def pair_ended_population(reason: str) -> str:
    return f"pair_ended_{reason}"


def pulse_population(instrument: str, wave: str) -> str:
    return f"pulse:{instrument}:{wave}"


def unit_population(mentor_unit: UUID | str, mentee_unit: UUID | str) -> str:
    return f"{UNIT_PREFIX}{mentor_unit}:{mentee_unit}"


def parse_unit_population(population: str) -> tuple[UUID, UUID]:
    mentor, mentee = population.removeprefix(UNIT_PREFIX).split(":")
    return UUID(mentor), UUID(mentee)


MENTOR_ROLES = frozenset({"mentor", "both"})
MENTEE_ROLES = frozenset({"mentee", "both"})

Contribution = dict[tuple[date, str], int]


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current


@dataclass(slots=True)
class ProgrammeState:
    name: str | None = None
    kind: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    inactivity_days: int | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(slots=True)
class ParticipantState:
    """One person's enrolment in one programme, and the first time they reached each stage."""

    role: str | None = None
    unit_id: UUID | None = None
    enrolled_at: datetime | None = None
    withdrawn_at: datetime | None = None
    first_proposed_at: datetime | None = None
    first_matched_at: datetime | None = None
    first_completed_at: datetime | None = None

    def enrol(self, role: str, unit_id: UUID | None, at: datetime) -> None:
        self.role = role
        self.unit_id = unit_id
        self.enrolled_at = at
        self.withdrawn_at = None

    def withdraw(self, at: datetime) -> None:
        self.withdrawn_at = at

    def proposed(self, at: datetime) -> None:
        self.first_proposed_at = _earliest(self.first_proposed_at, at)

    def matched(self, at: datetime) -> None:
        self.first_matched_at = _earliest(self.first_matched_at, at)

    def completed(self, at: datetime) -> None:
        self.first_completed_at = _earliest(self.first_completed_at, at)

    def contributions(self) -> Contribution:
        out: Contribution = {}
        if self.enrolled_at is None or self.role is None:
            return out
        enrolled = month_of(self.enrolled_at)
        withdrawn = month_of(self.withdrawn_at) if self.withdrawn_at else None
        if self.role in MENTOR_ROLES:
            out[(enrolled, MENTORS_ENROLLED)] = 1
            if withdrawn:
                out[(withdrawn, MENTORS_WITHDRAWN)] = 1
        if self.role in MENTEE_ROLES:
            out[(enrolled, MENTEES_ENROLLED)] = 1
            if withdrawn:
                out[(withdrawn, MENTEES_WITHDRAWN)] = 1
            if self.first_proposed_at:
                out[(month_of(self.first_proposed_at), MENTEES_PROPOSED)] = 1
            if self.first_matched_at:
                matched = month_of(self.first_matched_at)
                out[(matched, MENTEES_MATCHED)] = 1
                waited = (self.first_matched_at - self.enrolled_at).total_seconds()
                out[(matched, MATCH_SECONDS)] = max(0, int(waited))
            if self.first_completed_at:
                out[(month_of(self.first_completed_at), MENTEES_COMPLETED)] = 1
        return out


@dataclass(slots=True)
class PairState:
    """A mentor-mentee pair from proposal to end, with its last logged session."""

    programme_id: UUID
    mentor_id: UUID | None = None
    mentee_id: UUID | None = None
    mentor_unit_id: UUID | None = None
    mentee_unit_id: UUID | None = None
    status: str | None = None
    proposed_at: datetime | None = None
    declined_at: datetime | None = None
    created_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    last_session_at: datetime | None = None
    sessions_logged: int = 0

    @property
    def people_known(self) -> bool:
        return self.mentor_id is not None and self.mentee_id is not None

    def learn(
        self,
        mentor_id: UUID,
        mentee_id: UUID,
        mentor_unit_id: UUID | None = None,
        mentee_unit_id: UUID | None = None,
    ) -> None:
        self.mentor_id = mentor_id
        self.mentee_id = mentee_id
        if mentor_unit_id is not None:
            self.mentor_unit_id = mentor_unit_id
        if mentee_unit_id is not None:
            self.mentee_unit_id = mentee_unit_id

    def propose(self, at: datetime) -> None:
        self.proposed_at = self.proposed_at or at
        if self.status is None:
            self.status = "proposed"

    def decline(self, at: datetime) -> None:
        if self.created_at is None:
            self.declined_at = self.declined_at or at
            self.status = "declined"

    def create(self, at: datetime, proposed_at: datetime) -> None:
        self.proposed_at = self.proposed_at or proposed_at
        self.created_at = self.created_at or at
        if self.status != "ended":
            self.status = "active"

    def end(self, at: datetime, reason: str) -> None:
        self.ended_at = self.ended_at or at
        self.end_reason = self.end_reason or reason
        self.status = "ended"

    def log_session(self, held_at: datetime) -> None:
        self.sessions_logged += 1
        if self.last_session_at is None or held_at > self.last_session_at:
            self.last_session_at = held_at

    @property
    def units_known(self) -> bool:
        return self.mentor_unit_id is not None and self.mentee_unit_id is not None

    def contributions(self) -> Contribution:
        out: Contribution = {}
        if self.proposed_at:
            out[(month_of(self.proposed_at), PAIRS_PROPOSED)] = 1
        if self.declined_at:
            out[(month_of(self.declined_at), PAIRS_DECLINED)] = 1
        if self.created_at:
            created = month_of(self.created_at)
            out[(created, PAIRS_CREATED)] = 1
            if self.units_known:
                out[(created, PAIRS_UNITS_KNOWN)] = 1
                if self.mentor_unit_id != self.mentee_unit_id:
                    out[(created, PAIRS_CROSS_UNIT)] = 1
            if self.ended_at and self.end_reason:
                ended = month_of(self.ended_at)
                out[(ended, PAIRS_ENDED)] = 1
                out[(ended, pairs_ended(self.end_reason))] = 1
        return out

    def unit_cell(self) -> tuple[date, UUID, UUID] | None:
        """The (month, mentor unit, mentee unit) cell of the cross-unit matrix, once created."""
        if self.created_at and self.mentor_unit_id and self.mentee_unit_id:
            return month_of(self.created_at), self.mentor_unit_id, self.mentee_unit_id
        return None

    def memberships(self) -> Iterator[tuple[str, date]]:
        """The people sets both members belong to, by month (only once the people are known)."""
        if not self.people_known:
            return
        resolved = self.created_at or self.declined_at
        if resolved:
            yield PROPOSAL_RESOLVED, month_of(resolved)
        if self.created_at:
            created = month_of(self.created_at)
            yield PAIR_CREATED, created
            if self.mentor_unit_id and self.mentee_unit_id:
                yield UNITS_KNOWN, created
                yield unit_population(self.mentor_unit_id, self.mentee_unit_id), created
            if self.ended_at and self.end_reason:
                yield pair_ended_population(self.end_reason), month_of(self.ended_at)


@dataclass(slots=True)
class SurveyState:
    programme_id: UUID
    pair_id: UUID
    participant_id: UUID
    instrument: str
    wave: str
    due_at: datetime | None = None
    submitted_at: datetime | None = None


def contribution_delta(before: Contribution, after: Contribution) -> Contribution:
    """What a batch adds to the monthly sums: after minus before, zeros left out."""
    delta = dict(after)
    for key, amount in before.items():
        delta[key] = delta.get(key, 0) - amount
    return {k: v for k, v in delta.items() if v}
