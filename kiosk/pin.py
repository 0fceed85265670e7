"""The staff PIN, stored only as a salted scrypt hash (SPEC §6).

Format: ``scrypt$N$r$p$<salt, base64>$<hash, base64>``, so the cost can be raised later
without breaking stored hashes.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import os
import re
import sys

_N, _R, _P = 2**14, 8, 1
_FORMAT = re.compile(
    r"^scrypt\$(?P<n>[0-9]{1,8})\$(?P<r>[0-9]{1,3})\$(?P<p>[0-9]{1,3})"
    r"\$(?P<salt>[A-Za-z0-9+/]{16,88}={0,2})\$(?P<hash>[A-Za-z0-9+/]{43,88}={0,2})$"
)
PIN_PATTERN = re.compile(r"^[0-9]{4,12}$")
PIN_VAR = "HYMIO_PIN"  # where a script gives the PIN instead of typing it
NO_TERMINAL = (
    f"no PIN was typed (there is no terminal to type it in); run it in a terminal, or give"
    f" the PIN in the environment variable {PIN_VAR}"
)


def ask_pin() -> str:
    """A new PIN from ``HYMIO_PIN``, or typed twice; a ValueError that says what is wrong
    (the two differ, or it is not 4 to 12 digits)."""
    entered = os.environ.get(PIN_VAR)
    if entered is None:
        try:
            entered = _typed("new staff PIN (4–12 digits): ")
            again = _typed("the same PIN again: ")
        except EOFError:  # no terminal, and stdin closed or at its end
            raise ValueError(NO_TERMINAL) from None
        if again != entered:
            raise ValueError("the two PINs differ")
    if not PIN_PATTERN.match(entered):
        raise ValueError("a staff PIN is 4 to 12 digits")
    return entered


def _typed(prompt: str) -> str:
    """A PIN typed at the terminal, not echoed; without a terminal, a line of stdin (a
    script's pipe: nothing to hide, so no "input may be echoed" warning). EOFError: none."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        line = sys.stdin.readline() if sys.stdin is not None and not sys.stdin.closed else ""
        if not line:
            raise EOFError from None
        return line.rstrip("\r\n")
    return getpass.getpass(prompt)


def hash_pin(pin: str) -> str:
    """Hash a PIN of 4–12 digits with a fresh random salt."""
    if not isinstance(pin, str) or not PIN_PATTERN.match(pin):
        raise ValueError("a staff PIN is 4 to 12 digits")
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def is_valid_hash(text: object) -> bool:
    """Whether *text* looks like a hash made by :func:`hash_pin` (sane cost values)."""
    if not isinstance(text, str):
        return False
    match = _FORMAT.match(text)
    if not match:
        return False
    n, r, p = int(match["n"]), int(match["r"]), int(match["p"])
    return 2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16


def check_pin(pin: str, stored: str) -> bool:
    """Whether *pin* matches the *stored* hash; comparison in constant time."""
    if not is_valid_hash(stored) or not isinstance(pin, str) or not PIN_PATTERN.match(pin):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        pin.encode(),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=len(expected),
        maxmem=256 * 1024 * 1024,
    )
    return hmac.compare_digest(actual, expected)


def main() -> int:
    """``python -m kiosk.pin``: ask for a PIN twice, print the ``pin_hash`` line for [staff]."""
    import getpass
    import sys

    pin = getpass.getpass("new staff PIN (4–12 digits): ")
    if not PIN_PATTERN.match(pin):
        print("a staff PIN is 4 to 12 digits; nothing was made", file=sys.stderr)
        return 2
    if getpass.getpass("the same PIN again: ") != pin:
        print("the two PINs differ; nothing was made", file=sys.stderr)
        return 2
    print(f'pin_hash = "{hash_pin(pin)}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
