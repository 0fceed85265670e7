"""The editor's form: its fields read into a :class:`~hq.fleet.survey.draft.SurveyDraft`
shape, and the preview's screens drawn from a draft.

The preview is HTML and SVG, drawn from the same texts the kiosk is sent and the same
pictogram files it draws (``kiosk/assets/pictograms``, served at
``/surveys/pictograms/NAME.png``); the faces are drawn in the kiosk's colours
(:data:`FACE_COLOURS`, as ``kiosk.ui.faces.COLOURS``) but are not the kiosk's own drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hq.fleet.survey.draft import SurveyDraft
from kiosk.i18n import gettext
from kiosk.settings.survey import DEFAULT_FACES, LANGUAGES

MAX_REASONS = 6
MAX_ALTERNATES = 3
FACE_COLOURS = {
    "very_unhappy": "#d63b38",
    "unhappy": "#f28533",
    "neutral": "#fac72e",
    "happy": "#8cc74c",
    "very_happy": "#299e5c",
}
# The mouth of each face: the y of its corners and of its middle (a 0–100 box).
MOUTHS = {
    "very_unhappy": (72, 60),
    "unhappy": (70, 64),
    "neutral": (67, 67),
    "happy": (64, 72),
    "very_happy": (60, 78),
}
NUMBERS = {"nps": range(0, 11), "ces": range(1, 8)}


def draft_data(form: Any) -> dict[str, Any]:
    """The fields of the editor's *form* as the draft's JSON shape (blank reason rows
    left out); the draft checks the values."""
    data: dict[str, Any] = {
        "question_id": form.get("question_id", "overall"),
        "scale": form.get("scale", "smiley4"),
        "ask": form.get("ask", "negative"),
    }
    for part in ("question", "prompt", "thanks"):
        data[part] = {lang: form.get(f"{part}_{lang}", "") for lang in LANGUAGES}
    reasons = []
    for i in range(MAX_REASONS):
        key = form.get(f"reason_key_{i}", "")
        if not isinstance(key, str) or not key.strip():
            continue
        reason: dict[str, Any] = {
            "key": key.strip(),
            "label": {lang: form.get(f"reason_{lang}_{i}", "") for lang in LANGUAGES},
        }
        if form.get(f"reason_pictogram_{i}"):
            reason["pictogram"] = form.get(f"reason_pictogram_{i}")
        reasons.append(reason)
    data["reasons"] = reasons
    data["alternates"] = [
        {
            "question_id": form.get(f"alternate_id_{i}", "").strip(),
            "question": {lang: form.get(f"alternate_{lang}_{i}", "") for lang in LANGUAGES},
        }
        for i in range(MAX_ALTERNATES)
        if isinstance(form.get(f"alternate_id_{i}", ""), str)
        and form.get(f"alternate_id_{i}", "").strip()
    ]
    return data


@dataclass(frozen=True)
class Face:
    """One face (or number) of the question screen."""

    colour: str
    corners: int
    middle: int
    number: str


@dataclass(frozen=True)
class Reason:
    label: str
    pictogram: str  # "" for none


@dataclass(frozen=True)
class Screens:
    """What the kiosk shows in one language: the question, the follow-up, the thanks."""

    language: str
    question: str
    faces: list[Face]
    prompt: str
    hint: str
    reasons: list[Reason]
    thanks: str
    thanks_hint: str
    alternates: list[str]  # the other questions shown in turn, in this language


def screens(draft: SurveyDraft, language: str) -> Screens:
    """The preview's screens of *draft* in *language*, with the kiosk's built-in texts
    where the draft gives none."""
    faces = [
        Face(FACE_COLOURS[kind], *MOUTHS[kind], "") for kind in DEFAULT_FACES.get(draft.scale, ())
    ]
    if not faces:
        faces = [Face("#ebe8e0", 0, 0, str(n)) for n in NUMBERS[draft.scale]]
    return Screens(
        language=language,
        question=getattr(draft.question, language),
        faces=faces,
        prompt=getattr(draft.prompt, language) or gettext(language, "What was the main reason?"),
        hint=gettext(language, "Choose one, or just walk on."),
        reasons=[
            Reason(getattr(r.label, language) or r.key, r.pictogram or "") for r in draft.reasons
        ],
        thanks=getattr(draft.thanks, language) or gettext(language, "Thank you!"),
        thanks_hint=gettext(language, "Thank you for your feedback."),
        alternates=[getattr(a.question, language) for a in draft.alternates],
    )
