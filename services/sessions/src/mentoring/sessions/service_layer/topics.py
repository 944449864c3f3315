"""The tenant's session topics (coordinators keep the list; sessions refer to codes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mentoring.kit.errors import Conflict, InvalidInput, NotFound
from mentoring.sessions.domain.topics import topic_code
from mentoring.sessions.service_layer.uow import SessionsUnitOfWork


async def add_topic(
    uow: SessionsUnitOfWork, code: str, label_pl: str, label_en: str, now: datetime
) -> dict[str, Any]:
    code = topic_code(code)
    if not label_pl.strip() or not label_en.strip():
        raise InvalidInput("a topic needs a Polish and an English label")
    if not await uow.topics.add(uow.tenant, code, label_pl.strip(), label_en.strip(), now):
        raise Conflict(f"the topic {code!r} already exists")
    topic = await uow.topics.get(code)
    assert topic is not None
    return topic


async def change_topic(
    uow: SessionsUnitOfWork,
    code: str,
    *,
    label_pl: str | None,
    label_en: str | None,
    active: bool | None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if label_pl is not None:
        values["label_pl"] = label_pl.strip() or _missing()
    if label_en is not None:
        values["label_en"] = label_en.strip() or _missing()
    if active is not None:
        values["active"] = active
    topic = await uow.topics.update(code, values) if values else await uow.topics.get(code)
    if topic is None:
        raise NotFound("no such topic")
    return topic


def _missing() -> str:
    raise InvalidInput("a label cannot be empty")
