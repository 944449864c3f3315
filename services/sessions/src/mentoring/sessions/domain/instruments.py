"""The survey instruments, each with a fixed version: item texts (pl, en), scale and scoring.

An instrument version never changes once used; a new wording or scoring is a new version, so
stored responses always say which text they answered. Scores are item means after reversing the
reverse-keyed items (reversed = scale_min + scale_max - answer). See docs/sessions.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mentoring.kit.errors import InvalidInput


@dataclass(frozen=True)
class Item:
    number: int
    pl: str
    en: str
    reverse: bool = False


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title_pl: str
    title_en: str
    scale_min: int
    scale_max: int
    anchors_pl: tuple[str, str]
    anchors_en: tuple[str, str]
    items: tuple[Item, ...]
    source: str

    def score(self, answers: Sequence[int]) -> float:
        """The mean item score, reverse-keyed items reversed; rounded to 4 decimals."""
        if len(answers) != len(self.items):
            raise InvalidInput(f"{self.id} has {len(self.items)} items; got {len(answers)} answers")
        total = 0
        for item, answer in zip(self.items, answers, strict=True):
            if not self.scale_min <= answer <= self.scale_max:
                raise InvalidInput(
                    f"item {item.number}: answers run from {self.scale_min} to {self.scale_max}"
                )
            total += self.scale_min + self.scale_max - answer if item.reverse else answer
        return round(total / len(self.items), 4)


PSYCH_SAFETY = Instrument(
    id="psych_safety_edmondson_7",
    version="edmondson-1999-7",
    title_pl="Bezpieczeństwo psychologiczne w zespole",
    title_en="Team psychological safety",
    scale_min=1,
    scale_max=7,
    anchors_pl=("zdecydowanie nieprawdziwe", "zdecydowanie prawdziwe"),
    anchors_en=("very inaccurate", "very accurate"),
    items=(
        Item(
            1,
            "Jeśli popełnisz błąd w tym zespole, często jest on wykorzystywany przeciwko tobie.",
            "If you make a mistake on this team, it is often held against you.",
            reverse=True,
        ),
        Item(
            2,
            "Członkowie tego zespołu potrafią poruszać problemy i trudne kwestie.",
            "Members of this team are able to bring up problems and tough issues.",
        ),
        Item(
            3,
            "Ludzie w tym zespole czasem odrzucają innych za to, że się od nich różnią.",
            "People on this team sometimes reject others for being different.",
            reverse=True,
        ),
        Item(
            4,
            "W tym zespole można bezpiecznie podjąć ryzyko.",
            "It is safe to take a risk on this team.",
        ),
        Item(
            5,
            "Trudno jest prosić innych członków tego zespołu o pomoc.",
            "It is difficult to ask other members of this team for help.",
            reverse=True,
        ),
        Item(
            6,
            "Nikt w tym zespole nie działałby celowo tak, by podważyć moje wysiłki.",
            "No one on this team would deliberately act in a way that undermines my efforts.",
        ),
        Item(
            7,
            "We współpracy z członkami tego zespołu moje umiejętności i talenty są doceniane"
            " i wykorzystywane.",
            "Working with members of this team, my unique skills and talents are valued and"
            " utilized.",
        ),
    ),
    source=(
        "Edmondson, A. C. (1999). Psychological safety and learning behavior in work teams. "
        "Administrative Science Quarterly, 44(2), 350-383. Items 1, 3, 5 reverse-scored. "
        "Polish wording: the platform's own translation, not a validated adaptation."
    ),
)

PARTICIPATIVE_LEADERSHIP = Instrument(
    id="participative_leadership_elq_pdm_6",
    version="arnold-2000-elq-pdm-6",
    title_pl="Partycypacyjne podejmowanie decyzji przez przełożonego",
    title_en="Participative decision-making by the manager",
    scale_min=1,
    scale_max=5,
    anchors_pl=("nigdy", "zawsze"),
    anchors_en=("never", "always"),
    items=(
        Item(
            1,
            "Mój przełożony zachęca członków zespołu do wyrażania pomysłów i sugestii.",
            "My manager encourages work group members to express ideas/suggestions.",
        ),
        Item(
            2,
            "Mój przełożony słucha pomysłów i sugestii naszego zespołu.",
            "My manager listens to my work group's ideas and suggestions.",
        ),
        Item(
            3,
            "Mój przełożony wykorzystuje sugestie zespołu przy decyzjach, które nas dotyczą.",
            "My manager uses my work group's suggestions to make decisions that affect us.",
        ),
        Item(
            4,
            "Mój przełożony daje każdemu członkowi zespołu szansę wyrażenia opinii.",
            "My manager gives all work group members a chance to voice their opinions.",
        ),
        Item(
            5,
            "Mój przełożony bierze pod uwagę pomysły zespołu, nawet gdy się z nimi nie zgadza.",
            "My manager considers my work group's ideas when he/she disagrees with them.",
        ),
        Item(
            6,
            "Mój przełożony podejmuje decyzje wyłącznie na podstawie własnych pomysłów.",
            "My manager makes decisions that are based only on his/her own ideas.",
            reverse=True,
        ),
    ),
    source=(
        "Arnold, J. A., Arad, S., Rhoades, J. A., & Drasgow, F. (2000). The Empowering "
        "Leadership Questionnaire: the construction and validation of a new scale for measuring "
        "leader behaviors. Journal of Organizational Behavior, 21(3), 249-269; the Participative "
        "Decision-Making subscale, item 6 reverse-scored. Polish wording: the platform's own "
        "translation, not a validated adaptation."
    ),
)

CHECKIN = Instrument(
    id="checkin",
    version="checkin-2026-1",
    title_pl="Krótkie podsumowanie współpracy",
    title_en="Relationship check-in",
    scale_min=1,
    scale_max=5,
    anchors_pl=("zdecydowanie się nie zgadzam", "zdecydowanie się zgadzam"),
    anchors_en=("strongly disagree", "strongly agree"),
    items=(
        Item(1, "Nasze spotkania są dla mnie przydatne.", "Our meetings are useful to me."),
        Item(
            2,
            "Spotykamy się tak często, jak się umówiliśmy.",
            "We meet as often as we agreed.",
        ),
        Item(
            3,
            "Na naszych spotkaniach mogę mówić otwarcie.",
            "I can speak openly in our meetings.",
        ),
        Item(
            4,
            "Robimy postępy w realizacji wyznaczonych celów.",
            "We are making progress towards the goals we set.",
        ),
    ),
    source="The platform's own four-item check-in (not a validated scale; a pulse of the pair).",
)

PULSE = (PSYCH_SAFETY, PARTICIPATIVE_LEADERSHIP)
ALL = (CHECKIN, *PULSE)
_BY_KEY = {(i.id, i.version): i for i in ALL}


def instrument(instrument_id: str, version: str) -> Instrument:
    try:
        return _BY_KEY[(instrument_id, version)]
    except KeyError:
        raise InvalidInput(f"unknown instrument {instrument_id} {version}") from None
