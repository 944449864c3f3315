"""A development goal of a pair, with progress (0-100 %) and milestones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from mentoring.kit.errors import Conflict, InvalidInput, NotFound

MAX_MILESTONES = 20


class GoalStatus(StrEnum):
    OPEN = "open"
    ACHIEVED = "achieved"


@dataclass
class Milestone:
    id: UUID
    title: str
    done_at: datetime | None = None


@dataclass(frozen=True)
class GoalSet:
    at: datetime


@dataclass(frozen=True)
class GoalAchieved:
    at: datetime


GoalEvent = GoalSet | GoalAchieved


@dataclass
class Goal:
    id: UUID
    tenant_id: UUID
    pair_id: UUID
    programme_id: UUID
    author_id: UUID | None
    title: str
    description: str | None
    target_date: date | None
    progress: int = 0
    status: GoalStatus = GoalStatus.OPEN
    milestones: list[Milestone] = field(default_factory=list)
    created_at: datetime | None = None
    achieved_at: datetime | None = None
    events: list[GoalEvent] = field(default_factory=list, repr=False)

    @classmethod
    def set(
        cls,
        *,
        tenant_id: UUID,
        pair_id: UUID,
        programme_id: UUID,
        author_id: UUID,
        title: str,
        description: str | None,
        target_date: date | None,
        milestones: list[str],
        now: datetime,
    ) -> Goal:
        goal = cls(
            id=uuid4(),
            tenant_id=tenant_id,
            pair_id=pair_id,
            programme_id=programme_id,
            author_id=author_id,
            title=_title(title),
            description=(description or "").strip() or None,
            target_date=target_date,
            created_at=now,
        )
        for m in milestones:
            goal.add_milestone(m)
        goal.events.append(GoalSet(now))
        return goal

    def update(
        self,
        *,
        title: str | None,
        description: str | None,
        target_date: date | None,
        progress: int | None,
    ) -> None:
        self._require_open()
        if title is not None:
            self.title = _title(title)
        if description is not None:
            self.description = description.strip() or None
        if target_date is not None:
            self.target_date = target_date
        if progress is not None:
            if not 0 <= progress <= 100:
                raise InvalidInput("progress is a percentage from 0 to 100")
            self.progress = progress

    def add_milestone(self, title: str) -> Milestone:
        self._require_open()
        if len(self.milestones) >= MAX_MILESTONES:
            raise InvalidInput(f"at most {MAX_MILESTONES} milestones per goal")
        milestone = Milestone(id=uuid4(), title=_title(title))
        self.milestones.append(milestone)
        return milestone

    def complete_milestone(self, milestone_id: UUID, now: datetime) -> None:
        self._require_open()
        for m in self.milestones:
            if m.id == milestone_id:
                if m.done_at is not None:
                    raise Conflict("the milestone is already done")
                m.done_at = now
                return
        raise NotFound("no such milestone")

    def achieve(self, now: datetime) -> None:
        self._require_open()
        self.status = GoalStatus.ACHIEVED
        self.progress = 100
        self.achieved_at = now
        self.events.append(GoalAchieved(now))

    def _require_open(self) -> None:
        if self.status is not GoalStatus.OPEN:
            raise Conflict("the goal is achieved; it no longer changes")


def _title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput("a title is required")
    return title
