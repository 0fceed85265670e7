"""The enrolment link: what an enrol code's QR code holds, read by ``hymio enroll``.

One line, a URI of its own scheme, so that a phone that scans it opens nothing::

    hymio-enrol:?hq=https%3A%2F%2Fhq.example.fi&code=ABCD-EFGH-JKLM

``hq`` is HQ's address (percent-encoded, as any query value), ``code`` the enrol code as
HQ shows it. Both are required, each once; nothing else may be in it. HQ writes it
(:func:`enrol_link`) and the kiosk reads it (:func:`read_enrol_link`): here, below both.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

SCHEME = "hymio-enrol"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 -]{0,62}$"
MAX_LENGTH = 2048


class EnrolLinkError(ValueError):
    """The text is not an enrolment link; the message says what is wrong with it."""


def enrol_link(hq_url: str, code: str) -> str:
    """The enrolment link for *code* at HQ's address *hq_url*."""
    return f"{SCHEME}:?hq={quote(hq_url.strip().rstrip('/'), safe='')}&code={quote(code, safe='')}"


def is_enrol_link(text: str) -> bool:
    """Whether *text* is meant as an enrolment link (it starts with the scheme)."""
    return text.strip().lower().startswith(f"{SCHEME}:")


def read_enrol_link(text: str) -> tuple[str, str]:
    """HQ's address and the code in the enrolment link *text*; an :class:`EnrolLinkError`
    saying what is wrong otherwise (the address itself is checked by the caller)."""
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise EnrolLinkError(f"the enrolment link is {len(text)} characters; it is at most 2048")
    if not is_enrol_link(text):
        raise EnrolLinkError(
            f"the enrolment link must start with {SCHEME}:?hq=…&code=…, not {text[:40]!r}"
        )
    parts = urlsplit(text)
    if parts.netloc or parts.path or parts.fragment:
        raise EnrolLinkError(f"write the enrolment link as {SCHEME}:?hq=…&code=… and nothing else")
    try:
        fields = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        what = parts.query[:40]
        raise EnrolLinkError(f"the enrolment link's {what!r} is not hq=…&code=…") from None
    unknown = sorted(set(fields) - {"hq", "code"})
    if unknown:
        raise EnrolLinkError(f"the enrolment link has {unknown[0]!r}; it holds only hq and code")
    for name in ("hq", "code"):
        if len(fields.get(name, [])) != 1 or not fields[name][0].strip():
            raise EnrolLinkError(f"the enrolment link needs one {name}=…")
    hq, code = fields["hq"][0].strip().rstrip("/"), fields["code"][0].strip()
    if not re.match(r"^https?://", hq, re.IGNORECASE):
        raise EnrolLinkError(f"the enrolment link's hq {hq[:60]!r} is not an http(s) address")
    if not re.match(CODE_PATTERN, code):
        raise EnrolLinkError(f"the enrolment link's code {code[:20]!r} is not an enrol code")
    return hq, code
