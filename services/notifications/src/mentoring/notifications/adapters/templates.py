"""Messages in Polish and English: Jinja2 templates under `templates/<locale>/`, chosen by the
recipient's locale (else the tenant's default, else Polish).

`<kind>.txt` renders the plain text; its first line is the subject. The HTML part is the same
text in `_layout.html`, autoescaped, so a name such as `<b>` is shown, never interpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mentoring.notifications.adapters.directory import Directory
from mentoring.notifications.domain.model import Kind
from mentoring.notifications.domain.schedule import zone

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOCALES = ("pl", "en")

_MONTHS = {
    "pl": (
        "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
        "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_WORDS: dict[str, dict[str, str]] = {
    "pl": {
        "someone": "uczestnik programu",
        "programme": "program mentoringowy",
        "mentor": "mentor",
        "mentee": "osoba mentorowana (mentee)",
        "in_person": "spotkanie na miejscu",
        "online": "online",
        "phone": "telefonicznie",
        "checkin": "ankieta kontrolna",
        "psych_safety_edmondson_7": "ankieta bezpieczeństwa psychologicznego",
    },
    "en": {
        "someone": "a programme participant",
        "programme": "the mentoring programme",
        "mentor": "mentor",
        "mentee": "mentee",
        "in_person": "in person",
        "online": "online",
        "phone": "by phone",
        "checkin": "check-in survey",
        "psych_safety_edmondson_7": "psychological safety survey",
    },
}


def locale_of(preferred: str | None, default: str) -> str:
    for candidate in (preferred, default):
        short = (candidate or "").replace("_", "-").split("-")[0].lower()
        if short in LOCALES:
            return short
    return "pl"


def plural(n: int, locale: str, one: str, few: str, many: str) -> str:
    """Polish has three forms: 1 powiadomienie, 2 powiadomienia, 5 powiadomień."""
    if n == 1:
        return one
    if locale == "pl" and n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    locale: str
    content: str  # the text without the greeting and the signature (the in-app view)


class Renderer:
    def __init__(self, *, app_url: str, directory: Path = TEMPLATES) -> None:
        self.app_url = app_url.rstrip("/")
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["plural"] = plural

    def _render(self, locale: str, name: str, context: dict[str, Any]) -> Rendered:
        context = {**context, "locale": locale, "app_url": self.app_url}
        full = self.env.get_template(f"{locale}/{name}.txt").render(context).strip()
        first, _, rest = full.partition("\n")
        subject = " ".join(first.split())  # one line: a header cannot carry a newline
        body = re.sub(r"\n{3,}", "\n\n", rest.strip())
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
        html = self.env.get_template(f"{locale}/_layout.html").render(
            subject=subject, paragraphs=paragraphs, locale=locale, app_url=self.app_url
        )
        return Rendered(
            subject=subject, text=body + "\n", html=html, locale=locale, content=_content_of(body)
        )

    def render(
        self, kind: Kind, params: dict[str, Any], recipient: UUID, directory: Directory
    ) -> Rendered:
        contact = directory.contacts.get(recipient)
        locale = locale_of(contact.locale if contact else None, directory.default_locale)
        context = message_context(kind, params, recipient, directory, locale)
        return self._render(locale, kind.value, context)

    def render_digest(
        self, items: list[tuple[Kind, dict[str, Any]]], recipient: UUID, directory: Directory
    ) -> Rendered:
        contact = directory.contacts.get(recipient)
        locale = locale_of(contact.locale if contact else None, directory.default_locale)
        entries = [self.render(kind, params, recipient, directory) for kind, params in items]
        context = {
            "recipient_name": contact.display_name if contact else "",
            "entries": [{"subject": e.subject, "text": e.content} for e in entries],
            "count": len(entries),
        }
        return self._render(locale, "digest", context)


def _content_of(text: str) -> str:
    """A message's own paragraphs, without the greeting and the signature, for the digest."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join(paragraphs[1:-1]) if len(paragraphs) > 2 else text.strip()


def format_when(value: str | None, locale: str, timezone: str) -> str:
    if not value:
        return ""
    at = datetime.fromisoformat(value).astimezone(zone(timezone))
    month = _MONTHS[locale][at.month - 1]
    return f"{at.day} {month} {at.year}, {at:%H:%M} ({at.tzname()})"


def message_context(
    kind: Kind, params: dict[str, Any], recipient: UUID, directory: Directory, locale: str
) -> dict[str, Any]:
    words = _WORDS[locale]
    tz = directory.prefs(recipient).timezone

    def name(person: Any) -> str:
        try:
            contact = directory.contacts.get(UUID(str(person)))
        except ValueError:
            contact = None
        return contact.display_name if contact else words["someone"]

    me = directory.contacts.get(recipient)
    programme_id = params.get("programme_id")
    programme_name = (
        directory.programmes.get(UUID(programme_id)) if isinstance(programme_id, str) else None
    )
    pair_id = params.get("pair_id")
    pair = directory.pairs.get(UUID(pair_id)) if isinstance(pair_id, str) else None
    context: dict[str, Any] = {
        "kind": kind.value,
        "recipient_name": me.display_name if me else "",
        "programme_name": programme_name or words["programme"],
        "partner_name": name(params.get("partner_id")),
        "role_label": words.get(str(params.get("role")), ""),
        "mentor_name": name(pair.mentor_id) if pair else words["someone"],
        "mentee_name": name(pair.mentee_id) if pair else words["someone"],
        "session": {
            "starts": format_when(params.get("starts_at"), locale, tz),
            "duration_minutes": params.get("duration_minutes"),
            "location": params.get("location") or "",
            "mode_label": words.get(str(params.get("mode")), str(params.get("mode") or "")),
            "revision": params.get("revision") or 0,
            "cancelled": bool(params.get("cancelled")),
        },
        "survey": {
            "instrument_label": words.get(
                str(params.get("instrument")), str(params.get("instrument") or "")
            ),
            "wave": params.get("wave") or "",
            "due": format_when(params.get("due_at"), locale, tz),
        },
        "inactive_days": params.get("inactive_days") or 0,
        "threshold_days": params.get("threshold_days") or 0,
        "proposals": params.get("proposals") or 0,
        "mentees_in_pool": params.get("mentees_in_pool") or 0,
        "mentees_unmatched": params.get("mentees_unmatched") or 0,
    }
    return context
