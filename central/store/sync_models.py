"""Models of the sync room: staff exceptions from conflict rules and kiosk alerts, and the server's own secrets."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from central.store.base import Base


class CirculationException(Base):
    """Something staff must look at: a conflict rule that decided an offline event, or a kiosk alert.

    ``rule`` is a code of the conflict table in protocol/API.md (offline_checkout_closed_other_loan,
    sequence_reused, ...). Exceptions are resolved with a note, never deleted.
    """

    __tablename__ = "circulation_exceptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[str | None] = mapped_column(ForeignKey("kiosks.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    rule: Mapped[str] = mapped_column(sa.String(60))
    item_barcode: Mapped[str | None] = mapped_column(sa.String(64))
    patron_barcode: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(sa.String(120))
    resolution_note: Mapped[str | None] = mapped_column(sa.String(1000))


class ServerSecret(Base):
    """A named secret the server makes once and keeps (the patron cache's identifier key)."""

    __tablename__ = "server_secrets"
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]
