"""The declarative base that every HQ table is declared on."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """The declarative base of every HQ table."""
