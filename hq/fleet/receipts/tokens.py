"""The receipt token itself: 32 bytes, written as 43 URL-safe base64 characters (issue 32).

Byte layout (version 1; every integer big-endian)::

    offset  size  field
    0       1     version      0x01
    1       1     key id       which receipt key signed it (1-255, see hq.fleet.receipts.keys)
    2       4     expires      Unix time in seconds (UTC), unsigned: valid while now < expires
    6       10    token id     random bytes; what "used once" is kept by
    16      16    signature    HMAC-SHA256(key, b"hymio-receipt-v1\\0" + code + b"\\0"
                                           + bytes 0-15)[:16]

``code`` is the touchpoint's short code (``/r/<code>``) in UTF-8: it is signed but not
carried, since the link already holds it, so a token works only at the touchpoint it was
made for. The base64 is RFC 4648 §5 (``-`` and ``_``) without ``=`` padding.

Why 16 bytes of HMAC: a forger cannot compute the tag, so all they can do is guess it
online, one HTTP request per guess; 2^128 guesses is out of reach at any rate, and NIST
SP 800-107 allows truncating an HMAC to 64 bits or more. The full 32 would lengthen every
link by 22 characters for no safety anyone can use. Ten random bytes (80 bits) of token id
make two of a billion links share an id with a chance under one in a million, and such a
pair would only answer once between them (never a forgery).

This module knows nothing of the database; :mod:`.links` does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

from hq.core.errors import HQError

VERSION = 1
DOMAIN = b"hymio-receipt-v1\x00"
HEAD = struct.Struct(">BBI10s")  # version, key id, expires, token id: 16 bytes
TAG = 16
SIZE = HEAD.size + TAG  # 32 bytes
TEXT = 43  # base64url characters of SIZE bytes, unpadded
MAX_EXPIRES = 2**32 - 1
_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class ReceiptError(HQError, ValueError):
    """A receipt link cannot answer; ``reason`` says why: ``garbled`` (not a token),
    ``forged`` (not signed by HQ for this touchpoint), ``expired``, ``used`` or
    ``retired`` (the touchpoint no longer asks)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Token:
    """What a token says once its signature is checked."""

    key_id: int
    expires: int  # Unix seconds
    token_id: str  # the 10 random bytes in hex: the used-tokens table's key

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)


def signature(key: bytes, code: str, head: bytes) -> bytes:
    """The 16-byte tag of the first 16 bytes *head* of a token for touchpoint *code*."""
    message = DOMAIN + code.encode("utf-8") + b"\x00" + head
    return hmac.new(key, message, hashlib.sha256).digest()[:TAG]


def make(key_id: int, key: bytes, code: str, expires: int, token_id: bytes | None = None) -> str:
    """A token for touchpoint *code*, signed with *key* (whose id is *key_id*), holding
    until Unix time *expires*; *token_id* (10 bytes) is random unless given."""
    if not 1 <= key_id <= 255:
        raise ValueError(f"key id {key_id} is not 1-255")
    if not 0 < expires <= MAX_EXPIRES:
        raise ValueError(f"expiry {expires} does not fit in 4 bytes")
    head = HEAD.pack(VERSION, key_id, expires, token_id or secrets.token_bytes(10))
    raw = head + signature(key, code, head)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unpack(text: str) -> tuple[int, bytes, bytes]:
    """The key id, the signed 16 bytes and the tag of *text*; ``garbled`` if it is not
    the shape of a version 1 token."""
    if not isinstance(text, str) or len(text) != TEXT or not set(text) <= _ALPHABET:
        raise ReceiptError("garbled", "the link's token is not whole: copy the whole link")
    try:
        raw = base64.urlsafe_b64decode(text + "=")
    except (binascii.Error, ValueError):
        raise ReceiptError("garbled", "the link's token is not one HQ makes") from None
    # one spelling per token: the last character's two spare bits must be zero
    canonical = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") == text
    if len(raw) != SIZE or raw[0] != VERSION or not canonical:
        raise ReceiptError("garbled", "the link's token is not one HQ makes")
    return raw[1], raw[: HEAD.size], raw[HEAD.size :]


def read(text: str, code: str, keys: dict[int, bytes], now: datetime) -> Token:
    """The token *text* for touchpoint *code*, checked against *keys* (id → key, the
    ones still accepted) at *now*: its signature (in constant time), then its expiry.
    :class:`ReceiptError` says what is wrong."""
    key_id, head, tag = unpack(text)
    key = keys.get(key_id)
    # An unknown or retired key is answered as a forgery: which keys exist is not told.
    expected = signature(key if key is not None else b"\x00" * 32, code, head)
    if not hmac.compare_digest(expected, tag) or key is None:
        raise ReceiptError("forged", "this link was not made by HQ for this touchpoint")
    _, _, expires, token_id = HEAD.unpack(head)
    if now.timestamp() >= expires:
        raise ReceiptError("expired", "this link has expired")
    return Token(key_id, expires, token_id.hex())
