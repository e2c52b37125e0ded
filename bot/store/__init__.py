"""Ticket stores: the interface, the embedded TinyDB backend and its in-memory twin."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from bot.store.base import ImportReport, NewTicket, TicketStore
from bot.store.tinydb_store import TinyTicketStore

STORE_FILENAME = "tickets.json"


def default_data_dir() -> Path:
    """The per-user data directory used when neither config nor ``CHATDESK_DATA`` names one."""
    return Path(platformdirs.user_data_dir("chatdesk", appauthor=False))


def open_store(data_dir: Path | None) -> TinyTicketStore:
    """Open the embedded store in ``data_dir`` (or the per-user default)."""
    directory = Path(data_dir) if data_dir else default_data_dir()
    return TinyTicketStore.at(directory / STORE_FILENAME)


__all__ = ["ImportReport", "NewTicket", "TicketStore", "TinyTicketStore", "default_data_dir", "open_store"]
