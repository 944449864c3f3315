"""The words of the demo ministry: its departments and units, positions, skills and goals.

Fictional, but shaped like a Polish ministry: a Director General, departments and offices
("Departament", "Biuro"), their divisions ("Wydział") and teams ("Zespół").
"""

from __future__ import annotations

from dataclasses import dataclass

GENERAL_SKILLS = (
    "przywództwo",
    "zarządzanie zespołem",
    "komunikacja",
    "wystąpienia publiczne",
    "negocjacje",
    "zarządzanie projektami",
    "zarządzanie zmianą",
    "planowanie strategiczne",
    "coaching",
    "udzielanie informacji zwrotnej",
    "rozwiązywanie konfliktów",
    "zarządzanie czasem",
    "praca z interesariuszami",
    "pisanie pism urzędowych",
    "kodeks postępowania administracyjnego",
    "ochrona danych osobowych (RODO)",
    "język angielski",
    "excel zaawansowany",
    "prowadzenie spotkań",
    "budowanie relacji",
)

GENERAL_GOALS = (
    "wdrożenie w pracę urzędu",
    "rozwój kariery w służbie cywilnej",
    "pewność w wystąpieniach publicznych",
    "pierwsza rola kierownicza",
    "praca z przełożonym",
    "równowaga między pracą a życiem",
    "przywództwo",
    "komunikacja",
    "zarządzanie projektami",
    "negocjacje",
    "udzielanie informacji zwrotnej",
    "zarządzanie czasem",
    "pisanie pism urzędowych",
    "kodeks postępowania administracyjnego",
    "praca z interesariuszami",
)


@dataclass(frozen=True)
class Area:
    """A field of work: what its people know and what newcomers there want to learn."""

    skills: tuple[str, ...]
    positions: tuple[str, ...] = ()  # specialist titles of the field, for senior staff


AREAS: dict[str, Area] = {
    "it": Area(
        (
            "architektura systemów",
            "python",
            "bazy danych",
            "chmura obliczeniowa",
            "cyberbezpieczeństwo",
            "interoperacyjność",
            "agile i scrum",
            "projektowanie usług cyfrowych",
            "analiza danych",
            "dostępność cyfrowa (WCAG)",
        ),
        ("Architekt systemów", "Główny specjalista ds. informatyki"),
    ),
    "law": Area(
        (
            "legislacja",
            "prawo administracyjne",
            "prawo Unii Europejskiej",
            "postępowanie sądowoadministracyjne",
            "opiniowanie projektów aktów prawnych",
            "ocena skutków regulacji",
            "prawo cywilne",
        ),
        ("Radca prawny", "Legislator"),
    ),
    "hr": Area(
        (
            "rekrutacja",
            "ścieżki kariery",
            "ocena okresowa",
            "szkolenia i rozwój",
            "prawo pracy",
            "employer branding",
            "onboarding",
        ),
    ),
    "finance": Area(
        (
            "budżet zadaniowy",
            "finanse publiczne",
            "rachunkowość budżetowa",
            "kontrola zarządcza",
            "planowanie finansowe",
            "sprawozdawczość",
        ),
    ),
    "analysis": Area(
        (
            "analiza danych",
            "statystyka",
            "ewaluacja polityk publicznych",
            "ocena skutków regulacji",
            "prognozowanie",
            "power bi",
            "planowanie strategiczne",
        ),
        ("Analityk", "Główny analityk"),
    ),
    "procurement": Area(
        (
            "zamówienia publiczne",
            "prawo zamówień publicznych",
            "opis przedmiotu zamówienia",
            "zarządzanie umowami",
            "negocjacje",
        ),
    ),
    "eu_funds": Area(
        (
            "fundusze unijne",
            "zarządzanie projektami",
            "rozliczanie projektów",
            "ewaluacja",
            "pomoc publiczna",
        ),
    ),
    "international": Area(
        (
            "współpraca międzynarodowa",
            "prawo Unii Europejskiej",
            "protokół dyplomatyczny",
            "negocjacje",
            "język angielski",
            "język francuski",
        ),
    ),
    "services": Area(
        (
            "projektowanie usług cyfrowych",
            "badania z użytkownikami",
            "dostępność cyfrowa (WCAG)",
            "standardy obsługi klienta",
            "prosty język",
            "kodeks postępowania administracyjnego",
        ),
    ),
    "security": Area(
        (
            "cyberbezpieczeństwo",
            "ochrona informacji niejawnych",
            "ochrona danych osobowych (RODO)",
            "zarządzanie ryzykiem",
            "ciągłość działania",
        ),
    ),
    "audit": Area(
        (
            "audyt wewnętrzny",
            "kontrola zarządcza",
            "zarządzanie ryzykiem",
            "postępowanie kontrolne",
            "skargi i wnioski",
        ),
        ("Audytor wewnętrzny",),
    ),
    "communication": Area(
        (
            "komunikacja",
            "media społecznościowe",
            "relacje z mediami",
            "prosty język",
            "komunikacja wewnętrzna",
            "wystąpienia publiczne",
        ),
    ),
    "administration": Area(
        (
            "ustrój administracji publicznej",
            "nadzór nad jednostkami",
            "współpraca z samorządem",
            "służba cywilna",
            "kodeks postępowania administracyjnego",
            "kancelaria i EZD",
            "logistyka",
        ),
    ),
}


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    area: str
    units: tuple[str, ...]  # the divisions ("Wydział ...")
    teams: tuple[str, ...]  # what its teams deal with ("Zespół ds. ...")

    @property
    def is_office(self) -> bool:
        return self.name.startswith("Biuro")


# In the order they are created: a small ministry has the first few.
DEPARTMENTS: tuple[Department, ...] = (
    Department(
        "DC",
        "Departament Cyfryzacji",
        "it",
        (
            "Wydział Architektury Systemów",
            "Wydział Usług Elektronicznych",
            "Wydział Danych i Interoperacyjności",
            "Wydział Utrzymania Systemów",
            "Wydział Projektów Informatycznych",
        ),
        (
            "rejestrów publicznych",
            "integracji systemów",
            "aplikacji mobilnych",
            "infrastruktury",
            "jakości oprogramowania",
            "otwartych danych",
            "chmury",
            "wsparcia użytkowników",
        ),
    ),
    Department(
        "DP",
        "Departament Prawny",
        "law",
        (
            "Wydział Opinii Prawnych",
            "Wydział Postępowań Sądowych",
            "Wydział Prawa Unii Europejskiej",
            "Wydział Legislacji",
        ),
        (
            "opinii",
            "postępowań",
            "projektów ustaw",
            "rozporządzeń",
            "prawa europejskiego",
            "umów",
        ),
    ),
    Department(
        "BKS",
        "Biuro Kadr i Szkoleń",
        "hr",
        (
            "Wydział Rekrutacji",
            "Wydział Rozwoju Kadr",
            "Wydział Spraw Osobowych",
            "Wydział Wynagrodzeń",
        ),
        ("naboru", "szkoleń", "ocen okresowych", "akt osobowych", "płac", "praktyk i staży"),
    ),
    Department(
        "BBF",
        "Biuro Budżetu i Finansów",
        "finance",
        (
            "Wydział Budżetu",
            "Wydział Księgowości",
            "Wydział Planowania Finansowego",
            "Wydział Kontroli Zarządczej",
        ),
        ("planowania", "sprawozdawczości", "płatności", "budżetu zadaniowego", "rozliczeń"),
    ),
    Department(
        "DSA",
        "Departament Strategii i Analiz",
        "analysis",
        (
            "Wydział Strategii",
            "Wydział Analiz Ekonomicznych",
            "Wydział Oceny Skutków Regulacji",
            "Wydział Statystyki",
        ),
        ("prognoz", "wskaźników", "ewaluacji", "analiz sektorowych", "danych"),
    ),
    Department(
        "DUP",
        "Departament Usług Publicznych",
        "services",
        (
            "Wydział Projektowania Usług",
            "Wydział Obsługi Obywateli",
            "Wydział Dostępności",
            "Wydział Standardów Obsługi",
        ),
        ("badań z użytkownikami", "formularzy", "dostępności", "infolinii", "prostego języka"),
    ),
    Department(
        "DZP",
        "Departament Zamówień Publicznych",
        "procurement",
        ("Wydział Postępowań Przetargowych", "Wydział Umów", "Wydział Planowania Zamówień"),
        ("przetargów", "umów ramowych", "planu zamówień", "zamówień IT"),
    ),
    Department(
        "DFE",
        "Departament Funduszy Europejskich",
        "eu_funds",
        (
            "Wydział Programowania",
            "Wydział Wdrażania Projektów",
            "Wydział Rozliczeń",
            "Wydział Ewaluacji",
        ),
        ("naborów wniosków", "kontroli projektów", "rozliczeń", "programowania", "ewaluacji"),
    ),
    Department(
        "DAP",
        "Departament Administracji Publicznej",
        "administration",
        (
            "Wydział Ustroju Administracji",
            "Wydział Nadzoru",
            "Wydział Współpracy z Samorządem",
            "Wydział Służby Cywilnej",
        ),
        ("nadzoru", "samorządu", "służby cywilnej", "statutów", "skarg"),
    ),
    Department(
        "DWM",
        "Departament Współpracy Międzynarodowej",
        "international",
        (
            "Wydział Współpracy z Unią Europejską",
            "Wydział Organizacji Międzynarodowych",
            "Wydział Współpracy Dwustronnej",
        ),
        ("Rady UE", "OECD", "współpracy dwustronnej", "wizyt zagranicznych"),
    ),
    Department(
        "DBI",
        "Departament Bezpieczeństwa Informacji",
        "security",
        (
            "Wydział Cyberbezpieczeństwa",
            "Wydział Ochrony Informacji Niejawnych",
            "Wydział Ochrony Danych Osobowych",
        ),
        ("incydentów", "zarządzania ryzykiem", "kancelarii tajnej", "RODO"),
    ),
    Department(
        "DKA",
        "Departament Kontroli i Audytu",
        "audit",
        ("Wydział Audytu Wewnętrznego", "Wydział Kontroli", "Wydział Skarg i Wniosków"),
        ("audytu", "kontroli planowych", "skarg", "kontroli doraźnych"),
    ),
    Department(
        "BK",
        "Biuro Komunikacji",
        "communication",
        (
            "Wydział Komunikacji Zewnętrznej",
            "Wydział Komunikacji Wewnętrznej",
            "Wydział Mediów Społecznościowych",
        ),
        ("mediów", "intranetu", "kampanii", "wydarzeń"),
    ),
    Department(
        "BDG",
        "Biuro Dyrektora Generalnego",
        "administration",
        ("Wydział Administracyjno-Gospodarczy", "Wydział Kancelarii", "Wydział Logistyki"),
        ("kancelarii", "zaopatrzenia", "transportu", "nieruchomości"),
    ),
)

# Titles of staff without reports, by years of experience (the upper bound is exclusive).
STAFF_POSITIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (2, ("Referent", "Stażysta", "Starszy referent")),
    (4, ("Starszy referent", "Specjalista")),
    (8, ("Specjalista", "Starszy specjalista")),
    (15, ("Starszy specjalista", "Główny specjalista")),
    (99, ("Główny specjalista", "Ekspert")),
)

# Where some people work from (regional offices); most are in Warsaw.
LOCATIONS = ("Kraków", "Wrocław", "Gdańsk", "Lublin", "Łódź", "Poznań")

# Session topics of the ministry (code, Polish label, English label).
SESSION_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("wdrozenie", "Wdrożenie do pracy", "Onboarding"),
    ("kariera", "Rozwój kariery", "Career development"),
    ("przywodztwo", "Przywództwo", "Leadership"),
    ("komunikacja", "Komunikacja", "Communication"),
    ("projekty", "Zarządzanie projektami", "Project management"),
    ("prawo", "Prawo i procedury", "Law and procedures"),
    ("cyfryzacja", "Cyfryzacja", "Digital transformation"),
    ("zespol", "Praca w zespole", "Teamwork"),
    ("rownowaga", "Równowaga praca-życie", "Work-life balance"),
    ("feedback", "Informacja zwrotna", "Feedback"),
)

GOAL_TITLES = (
    "Samodzielnie przygotować opinię prawną",
    "Poprowadzić pierwsze spotkanie z interesariuszami",
    "Przygotować prezentację dla kierownictwa",
    "Zrozumieć proces legislacyjny od środka",
    "Zaplanować ścieżkę rozwoju na dwa lata",
    "Poprowadzić mały projekt od początku do końca",
    "Lepiej udzielać informacji zwrotnej",
    "Poznać pracę innych departamentów",
    "Przygotować się do konkursu na stanowisko kierownicze",
    "Uporządkować swój czas pracy",
)

AGREEMENT_GOALS = (
    "Spotykamy się, żeby {mentee} lepiej poznał(a) pracę ministerstwa i rozwijał(a) "
    "umiejętności: {goals}. Rozmawiamy szczerze, bez ocen; to, co mówimy, zostaje między nami."
)
