"""Every figure of a scope and period, computed from the monthly sums, with the small-group rule.

`build_dashboard` is pure. It is called once with no exact people counts; when the cheap bounds
of some figure's people cannot decide (see privacy.py), it returns the questions it needs
answered (`missing`), and the caller calls it again with the answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from mentoring.analytics.domain import readmodel as rm
from mentoring.analytics.domain.cube import ZERO, Bounds, Cube, Period
from mentoring.analytics.domain.months import add_months
from mentoring.analytics.domain.privacy import MIN_PEOPLE, Value, decide


@dataclass(frozen=True)
class MembersQuery:
    """Distinct people in some people sets, over months (`first` None: from the beginning)."""

    populations: tuple[str, ...]
    first: date | None
    last: date


@dataclass(frozen=True)
class ParticipantsQuery:
    """Distinct people enrolled (or reaching a stage) by the end of `last`; see STAGES."""

    stage: str
    first: date | None
    last: date


@dataclass(frozen=True)
class ActivePairsQuery:
    """Distinct people in pairs active at the end of `last` (optionally of some programmes)."""

    last: date
    programmes: tuple[UUID, ...] | None = None


PeopleQuery = MembersQuery | ParticipantsQuery | ActivePairsQuery

STAGES = (
    "mentors_enrolled",  # enrolled as mentor and not withdrawn at the end
    "mentees_enrolled",  # enrolled as mentee and not withdrawn at the end
    "mentees_ever",  # enrolled as mentee by the end
    "mentees_proposed",
    "mentees_matched",
    "mentees_completed",
    "mentees_matched_in",  # first matched within first..last
)

FUNNEL = (
    ("enrolled", "mentees_ever", rm.MENTEES_ENROLLED),
    ("matched", "mentees_proposed", rm.MENTEES_PROPOSED),
    ("active", "mentees_matched", rm.MENTEES_MATCHED),
    ("completed", "mentees_completed", rm.MENTEES_COMPLETED),
)

MONTHLY_FIGURES = (
    "mentees_matched",
    "pairs_started",
    "pairs_ended",
    "sessions_logged",
    "mentoring_hours",
    "sessions_per_pair",
    "average_rating",
    "checkin_response_rate",
)


class UnitCell(NamedTuple):
    """Pairs created between two units (ids as text) over the period, with bounds of their
    people."""

    mentor_unit_id: str
    mentee_unit_id: str
    pairs: int
    people_max: int
    people_sum: int


@dataclass
class MonthRow:
    month: date
    values: dict[str, Value]


@dataclass
class RatingRow:
    rating: int
    count: Value
    share: Value


@dataclass
class SurveyRow:
    instrument: str
    waves: dict[str, Value]
    change: Value


class CellRow(NamedTuple):
    mentor_unit_id: str
    mentee_unit_id: str
    pairs: Value


@dataclass
class Dashboard:
    period: Period
    figures: dict[str, Value] = field(default_factory=dict)
    monthly: list[MonthRow] = field(default_factory=list)
    funnel: list[tuple[str, Value]] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    surveys: list[SurveyRow] = field(default_factory=list)
    cross_units: list[CellRow] = field(default_factory=list)


class Assessor:
    """Decides whether the people behind a figure reach five; records what it cannot decide."""

    def __init__(self, exact: Mapping[PeopleQuery, int]) -> None:
        self.exact = exact
        self.missing: set[PeopleQuery] = set()

    def shown(self, query: PeopleQuery, bounds: Bounds) -> bool:
        if bounds.hi == 0:
            return True  # computed from nobody: a zero or an empty value reveals no one
        decided = decide(bounds.lo, bounds.hi)
        if decided is not None:
            return decided
        if query in self.exact:
            return self.exact[query] >= MIN_PEOPLE
        self.missing.add(query)
        return False


def count(value: Decimal | int, shown: bool, scale: Decimal | None = None) -> Value:
    if not shown:
        return Value.hidden()
    if scale is None:
        return Value(float(value))
    return Value(_number(Decimal(value) / scale))


def ratio(numerator: Decimal, denominator: Decimal, shown: bool, scale: int = 1) -> Value:
    if denominator == 0:
        return Value.empty()
    if not shown:
        return Value.hidden()
    return Value(_number(numerator / denominator / scale))


def _number(value: Decimal) -> float:
    return float(round(value, 4))


def _change(start: Value, end: Value) -> Value:
    """End minus start; hidden when either side is."""
    if start.value is not None and end.value is not None:
        return Value(round(end.value - start.value, 4))
    if start.suppressed or end.suppressed:
        return Value.hidden()
    return Value.empty()


class _Builder:
    def __init__(
        self,
        cube: Cube,
        period: Period,
        single_programme: bool,
        exact: Mapping[PeopleQuery, int],
    ) -> None:
        self.cube = cube
        self.period = period
        self.first = period.first
        self.last = period.last
        self.single = single_programme
        self.assess = Assessor(exact)

    # -- people ----------------------------------------------------------------------------

    def members(self, populations: Sequence[str], first: date | None, last: date) -> bool:
        bounds = self.cube.people_bounds(populations, first, last)
        return self.assess.shown(MembersQuery(tuple(populations), first, last), bounds)

    def participants(self, stage: str, per_programme: Mapping[UUID, Decimal]) -> bool:
        """People counted once per programme: exact within one programme."""
        first = self.first if stage == "mentees_matched_in" else None
        bounds = Bounds.of_values(per_programme.values())
        if self.single:
            bounds = Bounds(bounds.hi, bounds.hi)
        return self.assess.shown(ParticipantsQuery(stage, first, self.last), bounds)

    # -- sums ------------------------------------------------------------------------------

    def in_period(self, metric: str) -> Decimal:
        return self.cube.total(metric, self.first, self.last)

    def up_to_end(self, metric: str) -> Decimal:
        return self.cube.total(metric, None, self.last)

    def stock(self, added: str, removed: str) -> dict[UUID, Decimal]:
        plus = self.cube.per_programme(added, None, self.last)
        minus = self.cube.per_programme(removed, None, self.last)
        return {p: plus.get(p, ZERO) - minus.get(p, ZERO) for p in set(plus) | set(minus)}

    def active_during(self, month: date) -> Decimal:
        """Pairs created by the end of `month` and not ended before it began."""
        return self.cube.total(rm.PAIRS_CREATED, None, month) - self.cube.total(
            rm.PAIRS_ENDED, None, add_months(month, -1)
        )

    # -- figures ---------------------------------------------------------------------------

    def build(self, costs: Mapping[UUID, Decimal], cells: Sequence[UnitCell]) -> Dashboard:
        out = Dashboard(self.period)
        f = out.figures
        self.participation(f)
        self.pairs(f, costs)
        self.activity(f)
        out.funnel = self.funnel()
        out.ratings = self.ratings(f)
        out.surveys = self.surveys()
        out.cross_units = self.cross_units(f, cells)
        out.monthly = [self.month_row(m) for m in self.period.months]
        if not self.single:
            sent = self.in_period(rm.NOTIFICATIONS_SENT)
            failed = self.in_period(rm.NOTIFICATIONS_FAILED)
            shown = self.members([rm.NOTIFIED], self.first, self.last)
            f["notifications_sent"] = count(sent, shown)
            f["notifications_failed"] = count(failed, shown)
        return out

    def participation(self, f: dict[str, Value]) -> None:
        mentors = self.stock(rm.MENTORS_ENROLLED, rm.MENTORS_WITHDRAWN)
        f["enrolled_mentors"] = count(
            sum(mentors.values(), ZERO), self.participants("mentors_enrolled", mentors)
        )
        mentees = self.stock(rm.MENTEES_ENROLLED, rm.MENTEES_WITHDRAWN)
        f["enrolled_mentees"] = count(
            sum(mentees.values(), ZERO), self.participants("mentees_enrolled", mentees)
        )
        ever = self.cube.per_programme(rm.MENTEES_ENROLLED, None, self.last)
        matched = self.up_to_end(rm.MENTEES_MATCHED)
        f["match_rate"] = ratio(
            matched, sum(ever.values(), ZERO), self.participants("mentees_ever", ever)
        )
        matched_in = self.cube.per_programme(rm.MENTEES_MATCHED, self.first, self.last)
        f["time_to_match_days"] = ratio(
            self.in_period(rm.MATCH_SECONDS),
            sum(matched_in.values(), ZERO),
            self.participants("mentees_matched_in", matched_in),
            scale=86400,
        )

    def pairs(self, f: dict[str, Value], costs: Mapping[UUID, Decimal]) -> None:
        created = self.in_period(rm.PAIRS_CREATED)
        declined = self.in_period(rm.PAIRS_DECLINED)
        f["acceptance_rate"] = ratio(
            created,
            created + declined,
            self.members([rm.PROPOSAL_RESOLVED], self.first, self.last),
        )
        f["pairs_started"] = count(created, self.members([rm.PAIR_CREATED], self.first, self.last))
        active = self.stock(rm.PAIRS_CREATED, rm.PAIRS_ENDED)
        total_active = sum(active.values(), ZERO)
        active_shown = self.assess.shown(
            ActivePairsQuery(self.last), Bounds(0, int(total_active) * 2)
        )
        f["active_pairs"] = count(total_active, active_shown)
        for reason in rm.END_REASONS:
            f[f"pairs_ended_{reason}"] = count(
                self.in_period(rm.pairs_ended(reason)),
                self.members([rm.pair_ended_population(reason)], self.first, self.last),
            )
        f["cost_per_active_pair"] = self.cost_per_active_pair(costs, active)

    def cost_per_active_pair(
        self, costs: Mapping[UUID, Decimal], active: Mapping[UUID, Decimal]
    ) -> Value:
        priced = tuple(sorted(costs))
        if not priced:
            return Value.empty()
        pairs = sum((active.get(p, ZERO) for p in priced), ZERO)
        if pairs <= 0:
            return Value.empty()
        query = ActivePairsQuery(self.last, None if self.single else priced)
        shown = self.assess.shown(query, Bounds(0, int(pairs) * 2))
        if not shown:
            return Value.hidden()
        total = sum((costs[p] for p in priced), ZERO)
        return Value(float(round(total / pairs, 2)))

    def activity(self, f: dict[str, Value]) -> None:
        session_people = self.members([rm.SESSION], self.first, self.last)
        logged = self.in_period(rm.SESSIONS_LOGGED)
        f["sessions_logged"] = count(logged, session_people)
        f["mentoring_hours"] = count(
            self.in_period(rm.SESSION_MINUTES), session_people, Decimal(60)
        )
        pair_months = sum((self.active_during(m) for m in self.period.months), ZERO)
        f["sessions_per_pair_per_month"] = ratio(logged, pair_months, session_people)
        f["goal_completion"] = ratio(
            self.up_to_end(rm.GOALS_ACHIEVED),
            self.up_to_end(rm.GOALS_SET),
            self.members([rm.GOAL], None, self.last),
        )
        f["average_rating"] = ratio(
            self.in_period(rm.RATING_SUM),
            self.in_period(rm.FEEDBACK),
            self.members([rm.RATED], self.first, self.last),
        )
        fit_people = self.members([rm.FIT_CHECKED], self.first, self.last)
        failures = self.in_period(rm.FIT_CHECK_FAILURES)
        f["fit_check_failures"] = count(failures, fit_people)
        f["fit_check_failure_rate"] = ratio(failures, self.in_period(rm.FIT_CHECKS), fit_people)
        f["checkin_response_rate"] = ratio(
            self.in_period(rm.CHECKINS_SUBMITTED),
            self.in_period(rm.CHECKINS_DUE),
            self.members([rm.CHECKIN], self.first, self.last),
        )

    def funnel(self) -> list[tuple[str, Value]]:
        out = []
        for stage, question, metric in FUNNEL:
            reached = self.cube.per_programme(metric, None, self.last)
            out.append(
                (stage, count(sum(reached.values(), ZERO), self.participants(question, reached)))
            )
        return out

    def ratings(self, f: dict[str, Value]) -> list[RatingRow]:
        shown = self.members([rm.RATED], self.first, self.last)
        total = self.in_period(rm.FEEDBACK)
        rows = []
        for rating in rm.RATINGS:
            n = self.in_period(rm.rating_count(rating))
            rows.append(RatingRow(rating, count(n, shown), ratio(n, total, shown)))
        return rows

    def surveys(self) -> list[SurveyRow]:
        instruments = sorted(
            {
                metric.split(":")[1]
                for metric in self.cube.metrics()
                if metric.startswith("pulse:") and metric.endswith(":n")
            }
        )
        rows = []
        for instrument in instruments:
            waves: dict[str, Value] = {}
            for wave in rm.PULSE_WAVES:
                n = self.in_period(rm.pulse_metric(instrument, wave, "n"))
                total = self.in_period(rm.pulse_metric(instrument, wave, "sum"))
                shown = self.members([rm.pulse_population(instrument, wave)], self.first, self.last)
                waves[wave] = ratio(total, n, shown)
            rows.append(SurveyRow(instrument, waves, _change(waves["start"], waves["end"])))
        return rows

    def cross_units(self, f: dict[str, Value], cells: Sequence[UnitCell]) -> list[CellRow]:
        f["cross_unit_share"] = ratio(
            self.in_period(rm.PAIRS_CROSS_UNIT),
            self.in_period(rm.PAIRS_UNITS_KNOWN),
            self.members([rm.UNITS_KNOWN], self.first, self.last),
        )
        rows = []
        for a, b, pairs, lo, hi in cells:  # hundreds of cells: decided inline when the bounds can
            shown = hi == 0 or decide(lo, hi)
            if shown is None:
                question = MembersQuery((rm.unit_population(a, b),), self.first, self.last)
                shown = self.assess.shown(question, Bounds(lo, hi))
            rows.append(CellRow(a, b, Value(float(pairs)) if shown else Value.hidden()))
        return rows

    def month_row(self, month: date) -> MonthRow:
        v: dict[str, Value] = {}
        matched = self.cube.per_programme(rm.MENTEES_MATCHED, month, month)
        bounds = Bounds.of_values(matched.values())
        if self.single:
            bounds = Bounds(bounds.hi, bounds.hi)
        v["mentees_matched"] = count(
            sum(matched.values(), ZERO),
            self.assess.shown(ParticipantsQuery("mentees_matched_in", month, month), bounds),
        )
        v["pairs_started"] = count(
            self.cube.month(rm.PAIRS_CREATED, month), self.members([rm.PAIR_CREATED], month, month)
        )
        ended = [rm.pair_ended_population(r) for r in rm.END_REASONS]
        v["pairs_ended"] = count(
            self.cube.month(rm.PAIRS_ENDED, month), self.members(ended, month, month)
        )
        session_people = self.members([rm.SESSION], month, month)
        logged = self.cube.month(rm.SESSIONS_LOGGED, month)
        v["sessions_logged"] = count(logged, session_people)
        v["mentoring_hours"] = count(
            self.cube.month(rm.SESSION_MINUTES, month), session_people, Decimal(60)
        )
        v["sessions_per_pair"] = ratio(logged, self.active_during(month), session_people)
        v["average_rating"] = ratio(
            self.cube.month(rm.RATING_SUM, month),
            self.cube.month(rm.FEEDBACK, month),
            self.members([rm.RATED], month, month),
        )
        v["checkin_response_rate"] = ratio(
            self.cube.month(rm.CHECKINS_SUBMITTED, month),
            self.cube.month(rm.CHECKINS_DUE, month),
            self.members([rm.CHECKIN], month, month),
        )
        return MonthRow(month, v)


def questions_up_front(
    period: Period, *, single_programme: bool, costs: Mapping[UUID, Decimal]
) -> list[PeopleQuery]:
    """The people counts `build_dashboard` asks for whenever a scope has three or more active
    pairs (their bounds never decide): answering them first saves a second pass."""
    questions: list[PeopleQuery] = [ActivePairsQuery(period.last)]
    if costs and not single_programme:
        questions.append(ActivePairsQuery(period.last, tuple(sorted(costs))))
    return questions


def build_dashboard(
    cube: Cube,
    period: Period,
    *,
    single_programme: bool,
    costs: Mapping[UUID, Decimal],
    cells: Sequence[UnitCell],
    exact: Mapping[PeopleQuery, int],
) -> tuple[Dashboard, set[PeopleQuery]]:
    """Every figure of the scope; and the people counts still needed (empty when final)."""
    builder = _Builder(cube, period, single_programme, exact)
    dashboard = builder.build(costs, cells)
    return dashboard, builder.assess.missing
