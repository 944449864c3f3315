"""Polish and English texts of the dashboard and the exports."""

from __future__ import annotations

LANGUAGES = ("pl", "en")

_TEXTS: dict[str, tuple[str, str]] = {
    # page
    "title": ("Panel analityczny programów mentoringowych", "Mentoring programmes dashboard"),
    "programme": ("Program", "Programme"),
    "all_programmes": ("Wszystkie programy", "All programmes"),
    "from": ("Od miesiąca", "From month"),
    "to": ("Do miesiąca", "To month"),
    "apply": ("Pokaż", "Show"),
    "period": ("Okres", "Period"),
    "language": ("Język", "Language"),
    "figures": ("Wskaźniki", "Figures"),
    "charts": ("Wykresy", "Charts"),
    "sessions_over_time": ("Spotkania w czasie", "Sessions over time"),
    "funnel_chart": (
        "Lejek: zapisani > dobrani > aktywni > zakończeni",
        "Funnel: enrolled > matched > active > completed",
    ),
    "ratings_chart": ("Oceny spotkań", "Session ratings"),
    "surveys_chart": ("Ankiety pulsu: początek a koniec", "Pulse surveys: start against end"),
    "cross_units_chart": ("Pary między jednostkami", "Pairs across units"),
    "download": ("Pobierz", "Download"),
    "suppressed": ("ukryte (mniej niż 5 osób)", "suppressed (fewer than 5 people)"),
    "suppressed_short": ("ukryte", "suppressed"),
    "no_data": ("brak danych", "no data"),
    "privacy_note": (
        "Wskaźniki obliczone z danych mniej niż 5 osób są ukryte.",
        "Figures computed from fewer than 5 people are suppressed.",
    ),
    "unit_note": (
        "Jednostki są oznaczone identyfikatorami ze struktury organizacyjnej.",
        "Units are shown by their ids in the organisation structure.",
    ),
    "sign_in": (
        "Otwórz panel przez link z tokenem dostępu (parametr token).",
        "Open the dashboard with a link carrying an access token (the token parameter).",
    ),
    "health_on_track": ("zgodnie z planem", "on track"),
    "health_needs_attention": ("wymaga uwagi", "needs attention"),
    "open": ("otwarty", "open"),
    "closed": ("zamknięty", "closed"),
    # tables
    "table_figures": ("Wskaźniki", "Figures"),
    "table_monthly": ("Miesięcznie", "Monthly"),
    "table_funnel": ("Lejek", "Funnel"),
    "table_ratings": ("Oceny", "Ratings"),
    "table_surveys": ("Ankiety pulsu", "Pulse surveys"),
    "table_cross_units": ("Pary między jednostkami", "Cross-unit pairs"),
    "table_programmes": ("Programy", "Programmes"),
    # columns
    "col_figure": ("Wskaźnik", "Figure"),
    "col_value": ("Wartość", "Value"),
    "col_month": ("Miesiąc", "Month"),
    "col_stage": ("Etap", "Stage"),
    "col_mentees": ("Podopieczni", "Mentees"),
    "col_rating": ("Ocena", "Rating"),
    "col_count": ("Liczba", "Count"),
    "col_share": ("Udział", "Share"),
    "col_instrument": ("Narzędzie", "Instrument"),
    "col_start": ("Początek", "Start"),
    "col_middle": ("Środek", "Middle"),
    "col_end": ("Koniec", "End"),
    "col_change": ("Zmiana", "Change"),
    "col_mentor_unit": ("Jednostka mentora", "Mentor's unit"),
    "col_mentee_unit": ("Jednostka podopiecznego", "Mentee's unit"),
    "col_pairs": ("Pary", "Pairs"),
    "col_programme_id": ("Id programu", "Programme id"),
    "col_name": ("Nazwa", "Name"),
    "col_kind": ("Rodzaj", "Kind"),
    "col_starts_on": ("Początek", "Starts on"),
    "col_ends_on": ("Koniec", "Ends on"),
    "col_inactivity_days": ("Dni bez spotkania", "Inactivity days"),
    "col_status": ("Stan", "Status"),
    "col_health": ("Kondycja", "Health"),
    "col_health_reasons": ("Powody", "Reasons"),
    "col_cost": ("Koszt", "Cost"),
    "col_currency": ("Waluta", "Currency"),
    # figures
    "enrolled_mentors": ("Zapisani mentorzy", "Enrolled mentors"),
    "enrolled_mentees": ("Zapisani podopieczni", "Enrolled mentees"),
    "match_rate": ("Odsetek dobranych podopiecznych", "Match rate"),
    "time_to_match_days": ("Czas do dobrania (dni)", "Time to match (days)"),
    "acceptance_rate": ("Odsetek przyjętych propozycji", "Acceptance rate"),
    "pairs_started": ("Nowe pary", "Pairs started"),
    "active_pairs": ("Aktywne pary", "Active pairs"),
    "pairs_ended_completed": ("Pary zakończone: ukończone", "Pairs ended: completed"),
    "pairs_ended_rematch": ("Pary zakończone: ponowny dobór", "Pairs ended: rematch"),
    "pairs_ended_withdrawn": ("Pary zakończone: rezygnacja", "Pairs ended: withdrawn"),
    "pairs_ended_inactive": ("Pary zakończone: brak aktywności", "Pairs ended: inactive"),
    "pairs_ended": ("Zakończone pary", "Pairs ended"),
    "sessions_logged": ("Odbyte spotkania", "Sessions held"),
    "sessions_per_pair_per_month": (
        "Spotkania na parę miesięcznie",
        "Sessions per pair per month",
    ),
    "sessions_per_pair": ("Spotkania na parę", "Sessions per pair"),
    "mentoring_hours": ("Godziny mentoringu", "Mentoring hours"),
    "goal_completion": ("Odsetek osiągniętych celów", "Goal completion"),
    "average_rating": ("Średnia ocena spotkań", "Average session rating"),
    "fit_check_failures": ("Nietrafione dopasowania", "Fit-check failures"),
    "fit_check_failure_rate": ("Odsetek nietrafionych dopasowań", "Fit-check failure rate"),
    "checkin_response_rate": (
        "Odsetek odpowiedzi na ankiety kontrolne",
        "Check-in response rate",
    ),
    "cross_unit_share": (
        "Odsetek par spoza jednej jednostki",
        "Share of pairs across units",
    ),
    "cost_per_active_pair": ("Koszt na aktywną parę (PLN)", "Cost per active pair (PLN)"),
    "notifications_sent": ("Wysłane powiadomienia", "Notifications sent"),
    "notifications_failed": ("Nieudane powiadomienia", "Notifications failed"),
    "mentees_matched": ("Dobrani podopieczni", "Mentees matched"),
    # funnel stages
    "stage_enrolled": ("zapisani", "enrolled"),
    "stage_matched": ("dobrani", "matched"),
    "stage_active": ("aktywni", "active"),
    "stage_completed": ("zakończeni", "completed"),
    # instruments
    "psych_safety": ("Bezpieczeństwo psychologiczne", "Psychological safety"),
    "participative_leadership": (
        "Przywództwo demokratyczne (partycypacyjne)",
        "Democratic (participative) leadership",
    ),
}


def t(lang: str, key: str) -> str:
    """The text in `lang`; an unknown key is returned as it is."""
    texts = _TEXTS.get(key)
    if texts is None:
        return key
    return texts[1] if lang == "en" else texts[0]


def instrument_label(lang: str, instrument: str) -> str:
    if instrument.startswith("psych_safety"):
        return t(lang, "psych_safety")
    if instrument.startswith(("participative_leadership", "democratic_leadership")):
        return t(lang, "participative_leadership")
    return instrument


def texts(lang: str) -> dict[str, str]:
    return {key: t(lang, key) for key in _TEXTS}
