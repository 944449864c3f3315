"""Decoding records for the rebuild: the checks of mentoring.kit.envelope.decode, done leaner.

The incremental projection dead-letters what `decode` refuses, so the rebuild must skip exactly
the same records; this returns None for each of them. It reads only the headers it needs, knows
the tenant ids it has seen, checks canonical event ids with a pattern (anything else goes through
UUID() as in `decode`) and validates the data straight from JSON: about twice as fast.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast
from uuid import UUID

from pydantic import ValidationError

from mentoring.contracts.base import EventData
from mentoring.contracts.registry import REGISTRY

_CANONICAL = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MODELS = {name.encode(): model for name, model in REGISTRY.items()}


class Decoder:
    def __init__(self) -> None:
        self._tenants: dict[bytes, UUID] = {}

    def tenant(self, raw: bytes) -> UUID:
        found = self._tenants.get(raw)
        if found is None:
            found = self._tenants[raw] = UUID(raw.decode())
        return found

    def __call__(
        self, headers: Sequence[tuple[str, bytes | None]], value: bytes | None
    ) -> EventData | None:
        """The event of a record, or None where the projection's consumer would dead-letter
        it."""
        if value is None:
            return None
        found = cast(dict[str, bytes], dict(headers))
        if None in found.values():  # a header without a value counts as absent, as in decode
            found = {key: raw for key, raw in headers if raw is not None}
        try:
            if found["ce_specversion"] != b"1.0" or "ce_source" not in found:
                return None
            model = _MODELS.get(found["ce_type"])
            if model is None:
                return None
            event_id = found["ce_id"]
            if not _CANONICAL.fullmatch(event_id):
                UUID(event_id.decode())
            tenant = self.tenant(found["ce_tenantid"])
            data = model.model_validate_json(value)
        except (KeyError, ValueError, ValidationError, UnicodeDecodeError):
            return None
        return data if data.tenant_id == tenant else None


decode_event = Decoder()
