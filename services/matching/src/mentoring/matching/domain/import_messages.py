"""Texts of the org-import errors, in Polish and English (people read them in both)."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (Polish, English)
    "empty_file": ("Plik jest pusty.", "The file is empty."),
    "not_utf8": (
        "Wiersz nie jest zapisany w UTF-8 (zapisz plik jako CSV UTF-8).",
        "The line is not UTF-8 (save the file as CSV UTF-8).",
    ),
    "nul_character": (
        "Wiersz zawiera znak NUL (U+0000): to nie jest plik tekstowy CSV.",
        "The line contains the NUL character (U+0000): this is not a CSV text file.",
    ),
    "bad_csv": ("Nieprawidłowy format CSV: {detail}.", "Malformed CSV: {detail}."),
    "missing_column": (
        "Brak wymaganej kolumny {column}.",
        "The required column {column} is missing.",
    ),
    "duplicate_column": (
        "Kolumna {column} występuje dwa razy.",
        "The column {column} appears twice.",
    ),
    "field_count": (
        "Wiersz ma {found} pól, a nagłówek {expected}.",
        "The line has {found} fields, the header {expected}.",
    ),
    "too_many_rows": (
        "Plik ma więcej niż {limit} wierszy; podziel go.",
        "The file has more than {limit} rows; split it.",
    ),
    "required": ("Pole jest wymagane.", "The field is required."),
    "too_long": ("Pole może mieć najwyżej {limit} znaków.", "At most {limit} characters."),
    "invalid_email": ("Nieprawidłowy adres e-mail: {detail}.", "Invalid e-mail address: {detail}."),
    "invalid_locale": (
        "Język musi być jednym z: {allowed}.",
        "The locale must be one of: {allowed}.",
    ),
    "duplicate_employee": (
        "Pracownik {value} występuje już w wierszu {first_line}.",
        "Employee {value} already appears on line {first_line}.",
    ),
    "self_manager": (
        "Pracownik nie może być swoim przełożonym.",
        "An employee cannot be their own manager.",
    ),
    "unknown_manager": (
        "Nieznany przełożony {value} (brak w pliku i w systemie).",
        "Unknown manager {value} (neither in the file nor in the system).",
    ),
    "manager_cycle": (
        "Linia podległości tworzy pętlę: {cycle}.",
        "The reporting line loops: {cycle}.",
    ),
    "unknown_parent_unit": (
        "Nieznana jednostka nadrzędna {value} (brak w pliku i w systemie).",
        "Unknown parent unit {value} (neither in the file nor in the system).",
    ),
    "unit_name_required": (
        "Nowa jednostka {value} wymaga nazwy (unit_name).",
        "The new unit {value} needs a name (unit_name).",
    ),
    "unit_conflict": (
        "Jednostka {value} ma w wierszu {first_line} inną wartość tego pola.",
        "Unit {value} has a different value of this field on line {first_line}.",
    ),
    "unit_self_parent": (
        "Jednostka nie może być swoją jednostką nadrzędną.",
        "A unit cannot be its own parent.",
    ),
    "unit_cycle": (
        "Struktura jednostek tworzy pętlę: {cycle}.",
        "The unit structure loops: {cycle}.",
    ),
}


def message(code: str, locale: str, params: dict[str, Any] | None = None) -> str:
    polish, english = MESSAGES[code]
    template = polish if locale == "pl" else english
    return template.format(**(params or {}))
