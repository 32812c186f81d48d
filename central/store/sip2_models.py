"""SIP2 logins: the user id and password a self-check sends in its Login (93), one per station.

Each login belongs to a station (a row of the kiosks table), so its circulation events are numbered
and kept like a kiosk's. Only an argon2 hash of the password is stored.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from central.store.base import Base


class Sip2Login(Base):
    """One self-check's SIP2 credentials and the station its transactions are recorded for."""

    __tablename__ = "sip2_logins"
    id: Mapped[int] = mapped_column(primary_key=True)
    login_user: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    station_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    location_code: Mapped[str | None] = mapped_column(sa.String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
