"""The receipt links already answered (issue 32): one row per used token, written in the
same transaction as the web answer it brought, so a token answers exactly once however
many HQ processes race for it (the primary key decides). The scheme is
:mod:`hq.fleet.receipts`; migration ``0025_receipts`` makes the table."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hq.tables.base import Base


class ReceiptUse(Base):
    """A receipt token that has answered: its random id (hex), the touchpoint (its device
    row) it answered at, when, and the rating it brought."""

    __tablename__ = "receipt_uses"
    token_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    touchpoint: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    used_at: Mapped[str] = mapped_column(String(40))
    rating_id: Mapped[str] = mapped_column(String(36))
