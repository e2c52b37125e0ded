"""Ticket stores: the interface, the embedded TinyDB backend and its in-memory twin, and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from bot import messages
from bot.errors import ConfigError
from bot.store.base import ImportReport, NewTicket, TicketStore
from bot.store.settings import StoreConfig, is_postgres, store_settings
from bot.store.embedded import TinyTicketStore

STORE_FILENAME = "tickets.json"


def default_data_dir() -> Path:
    """The per-user data directory used when neither config nor ``CHATDESK_DATA`` names one."""
    return Path(platformdirs.user_data_dir("chatdesk", appauthor=False))


def open_store(data_dir: Path | None, *, url: str | None = None, settings: StoreConfig | None = None) -> TicketStore:
    """Open PostgreSQL when a URL is given, else the embedded store in ``data_dir`` (or the per-user default)."""
    settings = settings or StoreConfig(url=url)
    url = url or settings.url
    if url:
        return open_url(url, settings=settings)
    directory = Path(data_dir) if data_dir else default_data_dir()
    return TinyTicketStore.at(directory / STORE_FILENAME)


def open_url(url: str, *, settings: StoreConfig | None = None) -> TicketStore:
    """The store a ``postgresql://`` URL names; a path or ``file:`` URL is a TinyDB file."""
    settings = settings or StoreConfig(url=url)
    if is_postgres(url):
        from bot.store.postgres import PostgresTicketStore

        return PostgresTicketStore.connect(url, pool_size=settings.pool_size,
                                           connect_timeout=settings.connect_timeout)
    if url.startswith("file:") or "://" not in url:
        path = Path(url.removeprefix("file:")).expanduser()
        return TinyTicketStore.at(path / STORE_FILENAME if path.is_dir() or not path.suffix else path)
    raise ConfigError(messages.STORE_URL_UNKNOWN, url=url)


def store_for(config) -> TicketStore:
    """The store a configuration names: ``[store] url`` or ``CHATDESK_STORE_URL``, else its data_dir."""
    settings = store_settings(config)
    return open_store(config.data_dir, settings=settings)


__all__ = ["ImportReport", "NewTicket", "StoreConfig", "TicketStore", "TinyTicketStore", "default_data_dir",
           "open_store", "open_url", "store_for"]
