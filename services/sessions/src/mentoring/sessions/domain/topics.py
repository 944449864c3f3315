"""Session topics: a list each ministry defines (codes with Polish and English labels)."""

from __future__ import annotations

import re

from mentoring.kit.errors import InvalidInput

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def topic_code(code: str) -> str:
    code = code.strip().lower()
    if not CODE.match(code):
        raise InvalidInput("a topic code: lowercase letters, digits, '-' and '_', up to 63")
    return code
