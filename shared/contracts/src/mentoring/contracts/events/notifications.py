"""Events of the notifications service (topic `mentoring.notifications`)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from mentoring.contracts import topics
from mentoring.contracts.base import EventData


class _Notifications(EventData):
    topic: ClassVar[str] = topics.NOTIFICATIONS
    source: ClassVar[str] = "/mentoring/notifications"
    subject_field: ClassVar[str] = "notification_id"

    notification_id: UUID
    recipient_id: UUID | None = Field(
        default=None, description="The participant, or None for a webhook subscription."
    )
    channel: str = Field(description="in_app, email or webhook")
    kind: str = Field(description="What the notification is about, e.g. pair_created")
    cause_event_id: UUID | None = None
    endpoint_id: UUID | None = Field(
        default=None, description="The webhook subscription, for channel webhook."
    )


class NotificationSent(_Notifications):
    event_type: ClassVar[str] = "notifications.notification_sent.v1"

    attempts: int = Field(default=1, ge=1)


class NotificationFailed(_Notifications):
    event_type: ClassVar[str] = "notifications.notification_failed.v1"

    attempts: int = Field(ge=1)
    error: str
