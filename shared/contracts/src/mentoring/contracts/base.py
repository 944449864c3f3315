"""Base classes of the wire events: the data part of a CloudEvent, read tolerantly."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_URI_PREFIX = "urn:mentoring:schema:"


class EventData(BaseModel):
    """Fields every event carries. Consumers ignore fields they do not know."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    topic: ClassVar[str]
    source: ClassVar[str]
    subject_field: ClassVar[str]

    tenant_id: UUID = Field(description="The ministry (tenant) the fact belongs to.")
    sequence: int = Field(
        ge=1, description="Gap-free position of this event within its aggregate, from 1."
    )
    occurred_at: datetime = Field(description="When the fact happened (UTC).")

    @property
    def subject(self) -> str:
        """The aggregate id: the CloudEvents subject and the Kafka key."""
        return str(getattr(self, self.subject_field))

    @classmethod
    def dataschema(cls) -> str:
        return SCHEMA_URI_PREFIX + cls.event_type
