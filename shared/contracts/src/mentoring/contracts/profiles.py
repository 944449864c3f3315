"""The value of the compacted topic `mentoring.participants.profiles` (key: participant id).

A null value (tombstone) means the participant was erased. This is the only place where
personal contact data crosses a service boundary.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr


class ParticipantProfile(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_name: ClassVar[str] = "profiles.participant_profile.v1"

    participant_id: UUID
    tenant_id: UUID
    display_name: str
    email: EmailStr
    locale: str = "pl"
