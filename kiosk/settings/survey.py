"""The ``[survey]`` table of the kiosk settings: the question, its scale and faces, the
follow-up and the texts in each language (split from :mod:`kiosk.settings.model`, which
holds the other tables and the whole :class:`~kiosk.settings.model.Settings`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from kiosk.counting.scales import DEFAULT_SCALE, Scale, get_scale, is_negative
from kiosk.settings.base import Listed, Problem, Table
from kiosk.settings.pictograms import PICTOGRAMS, pictogram_file

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
LANGUAGES = ("fi", "sv", "en")
FACES = ("very_unhappy", "unhappy", "neutral", "happy", "very_happy")
DEFAULT_FACES = {
    "smiley3": ("unhappy", "neutral", "happy"),
    "smiley4": ("very_unhappy", "unhappy", "happy", "very_happy"),
    "smiley5": FACES,
}
# Reasons the kiosk labels in every language out of the box (others need reason_text):
# key → English label, the msgid of assets/locale/*/hymio.po.
BUILTIN_REASONS: dict[str, str] = {
    "queue": "Queue",
    "staff": "Service",
    "prices": "Prices",
    "availability": "Out of stock",
    "cleanliness": "Cleanliness",
    "other": "Other",
}
REASON_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
Pictogram = Literal[PICTOGRAMS]  # type: ignore[valid-type]
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]


class Texts(Table):
    """A text in each language (any may be missing; :class:`Survey` says which are needed)."""

    fi: str | None = Field(None, min_length=1, max_length=120, description="in Finnish")
    sv: str | None = Field(None, min_length=1, max_length=120, description="in Swedish")
    en: str | None = Field(None, min_length=1, max_length=120, description="in English")


class Followup(Table):
    """``[survey.followup]``: the "what went wrong?" question after a press."""

    ask: Literal["never", "negative", "always"] = "negative"
    reasons: Annotated[tuple[Annotated[str, Field(pattern=REASON_PATTERN)], ...], Listed] = Field(
        tuple(BUILTIN_REASONS),
        min_length=1,
        max_length=6,
        description="reason keys: queue, staff, prices, availability, cleanliness, other,"
        " or your own with labels in [survey.reason_text.KEY]",
    )
    timeout: float = Field(8.0, ge=2, le=60, description="seconds before it closes unanswered")
    prompt: Texts = Field(
        default_factory=Texts,
        description='the follow-up question per language; unset: "What was the main reason?"',
    )

    @field_validator("reasons")
    @classmethod
    def _unique(cls, reasons: tuple[str, ...]) -> tuple[str, ...]:
        for key in reasons:
            if reasons.count(key) > 1:
                raise ValueError(f"reason {key!r} is listed twice")
        return reasons


class Alternate(Table):
    """``[[survey.alternates]]``: another question the kiosk shows in turn with the first."""

    question_id: Identifier = Field(description="this question's id, not the survey's first")
    question: Texts = Field(default_factory=Texts, description="its text in each language")


class Survey(Table):
    """``[survey]``: the question on screen, its scale and faces, and the follow-up."""

    id: Identifier = "default"
    question_id: Identifier = "overall"
    version: int = Field(1, ge=1, description="raise it when the question changes")
    scale: Literal["smiley3", "smiley4", "smiley5", "nps", "ces"] = DEFAULT_SCALE
    faces: Annotated[tuple[Literal[FACES], ...], Listed] = Field(  # type: ignore[valid-type]
        (), description="the faces, most unhappy first, one per step of a smiley scale"
    )
    languages: Annotated[tuple[Literal[LANGUAGES], ...], Listed] = Field(LANGUAGES, min_length=1)  # type: ignore[valid-type]
    default_language: Literal[LANGUAGES] = "fi"  # type: ignore[valid-type]
    question: Texts = Texts(
        fi="Miten onnistuimme tänään?", sv="Hur lyckades vi i dag?", en="How did we do today?"
    )
    followup: Followup = Field(default_factory=Followup)
    reason_text: dict[Annotated[str, Field(pattern=REASON_PATTERN)], Texts] = Field(
        default_factory=dict,
        description="own labels of a reason: [survey.reason_text.KEY] with fi, sv, en",
    )
    reason_pictogram: dict[Annotated[str, Field(pattern=REASON_PATTERN)], Pictogram] = Field(
        default_factory=dict,
        description="a pictogram on a reason's button: KEY = one of " + ", ".join(PICTOGRAMS),
    )
    thanks: Texts = Field(
        default_factory=Texts,
        description='the thank-you screen\'s line per language; unset: "Thank you!"',
    )
    alternates: Annotated[tuple[Alternate, ...], Listed] = Field(
        (),
        max_length=3,
        description="up to 3 more questions on the same scale, each shown in turn with the"
        " first after each shopper: [[survey.alternates]] with question_id and question",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_faces(cls, data: Any) -> Any:
        if isinstance(data, dict) and "faces" not in data:
            scale = data.get("scale", DEFAULT_SCALE)
            faces = DEFAULT_FACES.get(scale, ()) if isinstance(scale, str) else ()
            return {**data, "faces": list(faces)}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Survey:
        sc = self.scale_info
        if sc.kind != "smiley" and self.faces:
            raise Problem("survey.faces", f"the {sc.name} scale has no faces; remove survey.faces")
        if sc.kind == "smiley" and len(self.faces) != sc.size:
            raise Problem(
                "survey.faces",
                f"the {sc.name} scale has {sc.size} faces, so list {sc.size}"
                f" faces, not {len(self.faces)} (e.g. {list(DEFAULT_FACES[sc.name])})",
            )
        order = [FACES.index(f) for f in self.faces]
        if order != sorted(set(order)):
            raise Problem(
                "survey.faces", "must go from the most unhappy to the most happy, each once"
            )
        if len(set(self.languages)) != len(self.languages):
            raise Problem("survey.languages", "lists a language twice")
        if self.default_language not in self.languages:
            raise Problem(
                "survey.default_language",
                f"{self.default_language!r} is not in survey.languages {list(self.languages)}",
            )
        for lang in self.languages:
            if getattr(self.question, lang) is None:
                raise Problem(f"survey.question.{lang}", "is missing: each language needs its text")
        for table, texts in (
            ("survey.followup.prompt", self.followup.prompt),
            ("survey.thanks", self.thanks),
        ):
            given = [lang for lang in LANGUAGES if getattr(texts, lang) is not None]
            for lang in self.languages:
                if given and getattr(texts, lang) is None:
                    raise Problem(
                        f"{table}.{lang}",
                        "is missing: give the text in each language, or in none for the"
                        " built-in one",
                    )
        ids = [self.question_id]
        for i, other in enumerate(self.alternates):
            if other.question_id in ids:
                raise Problem(
                    f"survey.alternates[{i}].question_id",
                    f"{other.question_id!r} is taken: each question needs its own id",
                )
            ids.append(other.question_id)
            for lang in self.languages:
                if getattr(other.question, lang) is None:
                    raise Problem(
                        f"survey.alternates[{i}].question.{lang}",
                        "is missing: each language needs its text",
                    )
        for key in self.reason_text:
            if key not in self.followup.reasons:
                raise Problem(f"survey.reason_text.{key}", "is not one of survey.followup.reasons")
        for key in self.reason_pictogram:
            if key not in self.followup.reasons:
                raise Problem(
                    f"survey.reason_pictogram.{key}", "is not one of survey.followup.reasons"
                )
        for key in self.followup.reasons:
            text = self.reason_text.get(key)
            for lang in self.languages:
                if key not in BUILTIN_REASONS and (text is None or getattr(text, lang) is None):
                    raise Problem(
                        f"survey.reason_text.{key}.{lang}",
                        f"is missing: reason {key!r} is not built in, so give its label in"
                        " each language",
                    )
        return self

    @property
    def scale_info(self) -> Scale:
        """The :class:`~kiosk.counting.scales.Scale` named by ``scale``."""
        return get_scale(self.scale)

    def asks_followup(self, score: int) -> bool:
        """Whether the follow-up question is shown after *score*."""
        if self.followup.ask == "never":
            return False
        return self.followup.ask == "always" or is_negative(self.scale_info, score)

    def questions(self) -> list[tuple[str, Texts]]:
        """The questions shown in turn: (question id, texts), the first one first."""
        return [(self.question_id, self.question)] + [
            (r.question_id, r.question) for r in self.alternates
        ]

    def followup_prompt(self, language: str) -> str:
        """The follow-up question in *language*: the survey's own, else the built-in one."""
        return getattr(self.followup.prompt, language) or _builtin(language, FOLLOWUP_PROMPT)

    def thanks_text(self, language: str) -> str:
        """The thank-you line in *language*: the survey's own, else the built-in one."""
        return getattr(self.thanks, language) or _builtin(language, THANKS_TEXT)

    def pictogram(self, key: str) -> str:
        """The file of reason *key*'s pictogram, or ``""`` when it has none."""
        name = self.reason_pictogram.get(key)
        return str(pictogram_file(name)) if name else ""

    def reason_label(self, key: str, language: str) -> str:
        """The label of reason *key* in *language*."""
        text = self.reason_text.get(key)
        own = getattr(text, language) if text else None
        if own:
            return own
        from kiosk.i18n import gettext

        return gettext(language, BUILTIN_REASONS[key])


FOLLOWUP_PROMPT = "What was the main reason?"
THANKS_TEXT = "Thank you!"


def _builtin(language: str, text: str) -> str:
    from kiosk.i18n import gettext

    return gettext(language, text)
