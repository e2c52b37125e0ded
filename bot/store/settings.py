"""The ``[store]`` section of chatdesk.toml and ``CHATDESK_STORE_URL``: which backend holds the tickets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, StrictInt

from bot.config_schema import Text, register_section, section

URL_VARIABLE = "CHATDESK_STORE_URL"


@section
class StoreConfig:
    """``[store]``: ``url = "postgresql://user:password@host:5432/chatdesk"``; none keeps the TinyDB file."""

    url: Text | None = None
    pool_size: Annotated[StrictInt, Field(ge=1, le=100)] = 4
    connect_timeout: Annotated[StrictInt, Field(ge=1, le=300)] = 10


register_section("store", StoreConfig, doc='where the tickets live: url = "postgresql://..." (default: the data_dir file)')


def store_settings(config, env: Mapping[str, str] | None = None) -> StoreConfig:
    """The store settings: the file's ``[store]`` table, with ``CHATDESK_STORE_URL`` taking precedence."""
    env = os.environ if env is None else env
    found = config.validated("store") if config is not None else None
    found = found or StoreConfig()
    url = env.get(URL_VARIABLE, "").strip() or found.url
    return StoreConfig(url=url or None, pool_size=found.pool_size, connect_timeout=found.connect_timeout)


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme in ("postgresql", "postgres")


def safe_location(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"
