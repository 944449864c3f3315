"""Messages: Polish and English templates chosen by locale, diacritics intact, HTML autoescaped;
the e-mail's encoding and .ics attachment; Standard Webhooks signatures."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from icalendar import Calendar
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from mentoring.notifications.adapters.directory import Contact, Directory
from mentoring.notifications.adapters.email import build_message, message_id, session_invite
from mentoring.notifications.adapters.templates import Renderer, locale_of, plural
from mentoring.notifications.adapters.webhooks import body_of, new_secret, signed_headers
from mentoring.notifications.domain.model import Kind, Pair, PairStatus

RENDERER = Renderer(app_url="https://mentoring.example.gov.pl")


def _directory() -> tuple[Directory, dict[str, Any]]:
    pl, en, prog, pair = uuid4(), uuid4(), uuid4(), uuid4()
    directory = Directory(
        contacts={
            pl: Contact(pl, "Żaneta Łęcka-Ćwik", "zaneta@example.gov.pl", "pl-PL"),
            en: Contact(en, "John <script>x</script> Smith", "john@example.gov.pl", "en"),
        },
        programmes={prog: "Ścieżka liderów"},
        pairs={pair: Pair(pair, prog, pl, en, PairStatus.ACTIVE)},
    )
    params: dict[str, Any] = {
        "pl": pl,
        "en": en,
        "pair_id": str(pair),
        "programme_id": str(prog),
        "session_id": str(uuid4()),
        "starts_at": "2026-12-03T09:30:00+00:00",
        "duration_minutes": 45,
        "mode": "in_person",
        "location": "Sala 204, ul. Królewska 27",
        "revision": 0,
        "scheduled_by": str(pl),
    }
    return directory, params


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("who", ["pl", "en"])
def test_every_kind_renders_in_both_languages(kind: Kind, who: str) -> None:
    directory, params = _directory()
    me = params[who]
    other = params["en" if who == "pl" else "pl"]
    rendered = RENDERER.render(
        kind,
        {**params, "partner_id": str(other), "role": "mentor"},
        me,
        directory,
    )
    assert rendered.locale == who
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.strip() and rendered.content.strip()
    assert f'<html lang="{who}">' in rendered.html
    greeting = "Dzień dobry" if who == "pl" else "Hello"
    assert rendered.text.startswith(greeting)


def test_polish_text_keeps_its_diacritics_and_html_escapes_names() -> None:
    directory, params = _directory()
    rendered = RENDERER.render(
        Kind.SESSION_SCHEDULED,
        {**params, "partner_id": str(params["en"])},
        params["pl"],
        directory,
    )
    assert rendered.subject == "Zaplanowano spotkanie mentoringowe: 3 grudnia 2026, 10:30 (CET)"
    assert "Dzień dobry, Żaneta Łęcka-Ćwik!" in rendered.text
    assert "Forma: spotkanie na miejscu" in rendered.text
    assert "John <script>x</script> Smith" in rendered.text  # plain text is not HTML
    assert "<script>" not in rendered.html
    assert "John &lt;script&gt;x&lt;/script&gt; Smith" in rendered.html


def test_locale_falls_back_to_the_tenant_then_polish() -> None:
    assert locale_of("en-GB", "pl") == "en"
    assert locale_of("de", "en") == "en"
    assert locale_of(None, "fr") == "pl"


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (1, "powiadomienie"),
        (2, "powiadomienia"),
        (4, "powiadomienia"),
        (5, "powiadomień"),
        (12, "powiadomień"),
        (22, "powiadomienia"),
        (25, "powiadomień"),
    ],
)
def test_polish_plurals(n: int, word: str) -> None:
    assert plural(n, "pl", "powiadomienie", "powiadomienia", "powiadomień") == word


def test_the_email_is_utf8_with_an_encoded_subject_and_an_ics_invite() -> None:
    directory, params = _directory()
    me = params["en"]
    rendered = RENDERER.render(
        Kind.SESSION_SCHEDULED,
        {**params, "partner_id": str(params["pl"])},
        me,
        directory,
    )
    invite = session_invite(params, directory, rendered.locale, datetime(2026, 12, 1, tzinfo=UTC))
    assert invite is not None
    delivery = uuid4()
    msg = build_message(
        sender="Mentoring <no-reply@mentoring.example.gov.pl>",
        to_name="Żaneta Łęcka-Ćwik",
        to_address="zaneta@example.gov.pl",
        rendered=rendered,
        message_id=message_id(delivery, "mentoring.example.gov.pl"),
        sent_at=datetime(2026, 12, 1, tzinfo=UTC),
        invite=invite[0],
        invite_method=invite[1],
    )
    wire = msg.as_bytes()
    assert wire.isascii()  # every header and part is encoded for 7-bit transport
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert parsed["Subject"] == rendered.subject
    assert str(parsed["To"]) == "Żaneta Łęcka-Ćwik <zaneta@example.gov.pl>"
    assert parsed["Message-ID"] == f"<{delivery}@mentoring.example.gov.pl>"
    plain = parsed.get_body(("plain",))
    assert plain is not None
    assert plain.get_content() == rendered.text
    [ics] = [p for p in parsed.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_param("method") == "REQUEST"
    payload = ics.get_payload(decode=True)
    assert isinstance(payload, bytes)
    cal = Calendar.from_ical(payload)
    [event] = [c for c in cal.walk() if c.name == "VEVENT"]
    assert str(event["location"]) == "Sala 204, ul. Królewska 27"
    assert str(event["summary"]) == "Mentoring session"
    assert str(event["organizer"]) == "mailto:zaneta@example.gov.pl"


def test_a_cancelled_session_invite_is_a_cancel() -> None:
    directory, params = _directory()
    invite = session_invite(
        {**params, "cancelled": True, "revision": 1}, directory, "pl", datetime.now(UTC)
    )
    assert invite is not None
    ics, method = invite
    assert method == "CANCEL"
    assert b"METHOD:CANCEL" in ics
    assert b"SEQUENCE:1" in ics
    assert session_invite({"session_id": str(uuid4())}, directory, "pl", datetime.now(UTC)) is None


def test_webhook_signatures_verify_with_the_standard_webhooks_package() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    body = body_of({"type": "matching.pair_created.v1", "data": {"name": "Łódź"}})
    headers = signed_headers(secret, "msg_1", body, datetime.now(UTC))
    assert Webhook(secret).verify(body.encode(), headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify((body + " ").encode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body.encode(), headers)
