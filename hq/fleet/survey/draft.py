"""A survey as the editor, the API and the command write it, and the kiosk's ``[survey]``
table made from it.

:class:`SurveyDraft` is the shape (every field named, nothing else taken);
:func:`survey_table` makes the kiosk's table and checks it with the kiosk's own settings
model, so HQ never keeps a survey a kiosk would refuse. A problem is an
:class:`~hq.core.errors.ActionError` naming the draft's field (``question.sv``,
``reasons.2.pictogram``), and nothing is kept.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hq.core.errors import ActionError
from hq.core.language import N_
from kiosk.errors import SettingsError
from kiosk.settings.load import parse_settings
from kiosk.settings.pictograms import PICTOGRAMS
from kiosk.settings.survey import BUILTIN_REASONS, ID_PATTERN, LANGUAGES, REASON_PATTERN
from kiosk.settings.survey import Survey as KioskSurvey

SCALES = ("smiley3", "smiley4", "smiley5", "nps", "ces")
ASK = ("never", "negative", "always")
TEXT = 120  # characters, as the kiosk takes (kiosk.settings.survey.Texts)


class Texts(BaseModel):
    """A text per language; an empty or missing one is "not given"."""

    model_config = ConfigDict(extra="forbid", strict=True)
    fi: str = Field("", max_length=TEXT)
    sv: str = Field("", max_length=TEXT)
    en: str = Field("", max_length=TEXT)

    def given(self) -> dict[str, str]:
        """The languages with a text, and their texts (spaces around them taken away)."""
        texts = {lang: getattr(self, lang).strip() for lang in LANGUAGES}
        return {lang: text for lang, text in texts.items() if text}


class ReasonDraft(BaseModel):
    """One follow-up reason: its key, its label per language and its pictogram."""

    model_config = ConfigDict(extra="forbid", strict=True)
    key: str = Field(pattern=REASON_PATTERN, max_length=32)
    label: Texts = Field(default_factory=Texts)
    pictogram: Literal[PICTOGRAMS] | None = None  # type: ignore[valid-type]


class AlternateDraft(BaseModel):
    """Another question shown in turn with the first: its id and its text per language."""

    model_config = ConfigDict(extra="forbid", strict=True)
    question_id: str = Field(pattern=ID_PATTERN)
    question: Texts = Field(default_factory=Texts)


class SurveyDraft(BaseModel):
    """What the editor edits: the question, the scale, the follow-up and the thanks."""

    model_config = ConfigDict(extra="forbid", strict=True)
    question_id: str = Field("overall", pattern=ID_PATTERN)
    scale: Literal[SCALES] = "smiley4"  # type: ignore[valid-type]
    question: Texts = Field(default_factory=Texts)
    ask: Literal[ASK] = "negative"  # type: ignore[valid-type]
    prompt: Texts = Field(default_factory=Texts)
    reasons: list[ReasonDraft] = Field(default_factory=list, max_length=6)
    thanks: Texts = Field(default_factory=Texts)
    alternates: list[AlternateDraft] = Field(default_factory=list, max_length=3)


def read_draft(data: Any) -> SurveyDraft:
    """*data* (a JSON object) as a :class:`SurveyDraft`; an :class:`ActionError` naming
    the first wrong field otherwise."""
    try:
        return SurveyDraft.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "survey"
        raise ActionError(
            where, N_("{where}: {problem}"), where=where, problem=first["msg"]
        ) from None


def survey_table(draft: SurveyDraft) -> dict[str, Any]:
    """The kiosk's ``[survey]`` table of *draft*, checked by the kiosk's settings model."""
    followup: dict[str, Any] = {"ask": draft.ask, "reasons": [r.key for r in draft.reasons]}
    if not draft.reasons:
        followup = {"ask": draft.ask}
    if draft.prompt.given():
        followup["prompt"] = draft.prompt.given()
    table: dict[str, Any] = {
        "question_id": draft.question_id,
        "scale": draft.scale,
        "question": draft.question.given(),
        "followup": followup,
    }
    labels = {r.key: r.label.given() for r in draft.reasons if r.label.given()}
    if labels:
        table["reason_text"] = labels
    pictures = {r.key: r.pictogram for r in draft.reasons if r.pictogram}
    if pictures:
        table["reason_pictogram"] = pictures
    if draft.thanks.given():
        table["thanks"] = draft.thanks.given()
    if draft.alternates:
        table["alternates"] = [
            {"question_id": a.question_id, "question": a.question.given()} for a in draft.alternates
        ]
    check_table(table, draft)
    return table


def check_table(table: dict[str, Any], draft: SurveyDraft | None = None) -> KioskSurvey:
    """The kiosk's reading of the ``[survey]`` *table*; an :class:`ActionError` naming the
    draft's field where the kiosk would refuse it."""
    try:
        return parse_settings({"survey": table}, "hq-survey").survey
    except SettingsError as e:
        key, problem = e.problems[0]
        field = draft_field(key, draft)
        raise ActionError(field, N_("{where}: {problem}"), where=field, problem=problem) from None


def draft_field(key: str, draft: SurveyDraft | None) -> str:
    """The draft's field for the kiosk's settings key *key* (``survey.followup.prompt.sv``
    → ``prompt.sv``; ``survey.reason_text.gifts.fi`` → ``reasons.2.label.fi``)."""
    key = re.sub(r"\[(\d+)\]", r".\1", key)  # survey.alternates[0].question → …alternates.0…
    parts = key.split(".")[1:] if key.startswith("survey") else key.split(".")
    if parts[:1] == ["followup"]:
        parts = ["reasons"] if parts[1:2] == ["reasons"] else parts[1:]
    if parts[:1] in (["reason_text"], ["reason_pictogram"]) and len(parts) > 1:
        keys = [r.key for r in draft.reasons] if draft else []
        where = str(keys.index(parts[1])) if parts[1] in keys else parts[1]
        tail = ["label", *parts[2:]] if parts[0] == "reason_text" else ["pictogram"]
        parts = ["reasons", where, *tail]
    return ".".join(parts) or "survey"


def draft_of(table: dict[str, Any] | None) -> SurveyDraft:
    """The draft the editor starts from for a kept ``[survey]`` *table* (``None`` or
    ``{}``: the kiosk's defaults, with the built-in labels and texts filled in)."""
    survey = parse_settings({"survey": table or {}}, "hq-survey").survey
    return SurveyDraft(
        question_id=survey.question_id,
        scale=survey.scale,
        question=_texts(lambda lang: getattr(survey.question, lang)),
        ask=survey.followup.ask,
        prompt=_texts(survey.followup_prompt),
        reasons=[
            ReasonDraft(
                key=key,
                label=_texts(lambda lang, k=key: _label(survey, k, lang)),
                pictogram=survey.reason_pictogram.get(key),
            )
            for key in survey.followup.reasons
        ],
        thanks=_texts(survey.thanks_text),
        alternates=[
            AlternateDraft(
                question_id=a.question_id,
                question=_texts(lambda lang, q=a.question: getattr(q, lang)),
            )
            for a in survey.alternates
        ],
    )


def _label(survey: KioskSurvey, key: str, lang: str) -> str:
    if key in BUILTIN_REASONS or key in survey.reason_text:
        try:
            return survey.reason_label(key, lang)
        except KeyError:
            return ""
    return ""


def _texts(text_in) -> Texts:
    return Texts(**{lang: (text_in(lang) or "")[:TEXT] for lang in LANGUAGES})
