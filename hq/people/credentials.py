"""Secrets: device and API tokens (kept as SHA-256) and dashboard passwords (argon2).

A token is 32 random bytes, URL-safe; HQ keeps only its SHA-256, which is enough for a
secret that long and fast enough to check on every request. Passwords are chosen by
people, so they get argon2id (argon2-cffi) with its default cost.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def new_token() -> str:
    """A fresh random token to show once."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) that HQ keeps of *token*."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of *password*."""
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Whether *password* matches *password_hash*."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
