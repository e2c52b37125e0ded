"""Team configuration: ``chatdesk.toml`` plus environment overrides, with a demo team default.

With no file at all a built-in demo team applies (agents ``maria`` and ``sam``; categories
billing, technical, installation, account; a 60-minute first-response target), so a newcomer
can run the console desk with nothing to configure.
"""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot import messages, registry
from bot.config_check import TOP, validate, value_problem
from bot.config_schema import (Category, HelpSiteConfig, KnowledgeBaseConfig, Minutes, PlatformConfig,
                               PrivacyConfig, TimeZone)
from bot.errors import ConfigError

__all__ = ["Category", "Config", "HelpSiteConfig", "KnowledgeBaseConfig", "PlatformConfig", "load_config"]

CONFIG_FILENAME = "chatdesk.toml"


@dataclass(frozen=True, slots=True)
class Config:
    """Everything the desk needs to know about the team it serves."""

    team: str = "Demo team"
    timezone: str = "UTC"
    first_response_minutes: int = 60
    data_dir: Path | None = None
    categories: tuple[Category, ...] = ()
    platforms: Mapping[str, PlatformConfig] = field(default_factory=dict)
    help_site: HelpSiteConfig = HelpSiteConfig()
    kb: KnowledgeBaseConfig = KnowledgeBaseConfig()
    scrub_patterns: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    root: Path = Path(".")
    path: Path | None = None
    sections: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def platform(self, name: str) -> PlatformConfig:
        """The settings of one platform (its defaults when the file says nothing about it)."""
        if name in self.platforms:
            return self.platforms[name]
        known = registry.platform(name)
        return (known.default or known.section()) if known else PlatformConfig()

    def category(self, name: str) -> Category | None:
        wanted = name.strip().casefold()
        return next((c for c in self.categories if c.name.casefold() == wanted), None)

    def is_agent(self, platform: str, user_id: str) -> bool:
        """Whether a user id is listed as an agent for the platform (roles/groups are the adapter's)."""
        agents = self.platform(platform).agents
        return user_id in agents or user_id.casefold() in {a.casefold() for a in agents}

    def section(self, name: str) -> Mapping[str, Any]:
        """A raw top-level table of the file, for features with settings of their own."""
        value = self.settings.get(name, {})
        return value if isinstance(value, Mapping) else {}

    def validated(self, name: str) -> Any:
        """A registered section as its schema type (``None`` when the file has no such table)."""
        return self.sections.get(name)

    @property
    def sources_path(self) -> Path:
        return self.root / self.kb.sources_dir

    @property
    def docs_path(self) -> Path:
        return self.root / self.kb.docs_dir


DEMO_CATEGORIES: tuple[Category, ...] = (
    Category("billing", ("Check the plan and the last invoice", "Confirm the refund policy before promising one")),
    Category("technical", ("Ask for the app version and phone model", "Ask for the tracker's firmware version")),
    Category("installation", ("Ask which phone and OS version", "Confirm Bluetooth and location permissions")),
    Category("account", ("Verify the account email before changing anything",)),
)

EXAMPLE_HEAD = """\
# chatdesk configuration. Every setting is optional; this file describes the demo team.
# Environment overrides: CHATDESK_DATA, CHATDESK_TZ, CHATDESK_FIRST_RESPONSE_MINUTES.

team = "Homing Support"
# Weeks, metrics and schedules use this IANA time zone; timestamps are stored in UTC.
timezone = "Europe/Berlin"
# Unclaimed tickets older than this are announced again and count as breaches.
first_response_minutes = 60
# Where the ticket store lives (default: a per-user data directory, printed at start).
# data_dir = "/var/lib/chatdesk"

# Categories, each with a checklist shown to whoever claims a ticket of that category.
[[categories]]
name = "billing"
checklist = ["Check the plan and the last invoice", "Confirm the refund policy before promising one"]

[[categories]]
name = "technical"
checklist = ["Ask for the app version and phone model", "Ask for the tracker's firmware version"]

[[categories]]
name = "installation"
checklist = ["Ask which phone and OS version", "Confirm Bluetooth and location permissions"]

[[categories]]
name = "account"
checklist = ["Verify the account email before changing anything"]

"""

EXAMPLE_TAIL = """\
[help_site]
url = "http://127.0.0.1:8000/"
name = "Homing Help Center"
primary_color = "indigo"
accent_color = "amber"
support_label = "#support"
support_link = ""
languages = ["en", "th", "fa"]
# The name on the other languages' sites (default: name). Category names per language are in
# faq_sources/categories.yml.
names = { th = "ศูนย์ช่วยเหลือ Homing", fa = "مرکز راهنمای Homing" }

[kb]
sources_dir = "faq_sources"
docs_dir = "kb_site"
default_language = "en"
# Leave unset to let the matcher calibrate its refusal threshold on the articles themselves.
# threshold = 0.5

[privacy]
# Extra patterns scrubbed from drafts and learned phrasings (emails, phones, cards, IBANs,
# addresses, names and common order / tracking ids always are).
scrub_patterns = ['\\bORD-[\\d-]{5,}\\b']
# Country of local phone formats such as 030/1234567 (default: the time zone's country).
# phone_region = "DE"

# The ticket store: leave unset for the embedded file in data_dir, or a PostgreSQL URL.
# [store]
# url = "postgresql://chatdesk@localhost/chatdesk"
"""


import bot.store.settings  # noqa: E402,F401  (the store is core: its [store] table)
import bot.courier  # noqa: E402,F401  (so is the outbox: its [outbox] table)


def example_config() -> str:
    """The commented example file (``chatdesk init``): the core settings and each platform's table."""
    tables = "\n".join(p.example.strip() + "\n" for p in registry.platforms() if p.example.strip())
    features = "\n".join(f.example.strip() + "\n" for f in registry.features() if f.example.strip())
    return f"{EXAMPLE_HEAD.rstrip()}\n\n{tables}\n{EXAMPLE_TAIL}" + (f"\n{features}" if features else "")


def demo_config(*, root: Path = Path(".")) -> Config:
    """The built-in demo team used when there is no configuration file."""
    text = example_config()
    return _from_mapping(tomllib.loads(text), root=root, path=None, text=text)


def load_config(path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Load ``path`` (or ``./chatdesk.toml`` when present, else the demo team) and apply env overrides."""
    env = os.environ if env is None else env
    if path is not None:
        config_path = Path(path)
        if not config_path.is_file():
            raise ConfigError(messages.CONFIG_MISSING, path=config_path)
    else:
        config_path = Path.cwd() / CONFIG_FILENAME
        if not config_path.is_file():
            return _apply_env(demo_config(root=Path.cwd()), env)
    try:
        text = config_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(messages.CONFIG_NOT_UTF8, path=config_path, problem=exc) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(messages.CONFIG_BROKEN, path=config_path, problem=exc) from None
    config = _from_mapping(data, root=config_path.resolve().parent, path=config_path, text=text)
    return _apply_env(config, env)


def _apply_env(config: Config, env: Mapping[str, str]) -> Config:
    """``CHATDESK_DATA``, ``CHATDESK_TZ``, ``CHATDESK_FIRST_RESPONSE_MINUTES`` and, for every platform
    table, ``CHATDESK_<PLATFORM>_<SETTING>`` (lists comma-separated), checked by the same schema."""
    changes: dict[str, Any] = {}
    if env.get("CHATDESK_DATA"):
        changes["data_dir"] = Path(env["CHATDESK_DATA"]).expanduser()
    if env.get("CHATDESK_TZ"):
        changes["timezone"] = _env_value(TimeZone, env["CHATDESK_TZ"].strip(), "CHATDESK_TZ")
    if env.get("CHATDESK_FIRST_RESPONSE_MINUTES"):
        raw = env["CHATDESK_FIRST_RESPONSE_MINUTES"].strip()
        number = int(raw) if raw.lstrip("-").isdigit() else raw
        changes["first_response_minutes"] = _env_value(Minutes, number, "CHATDESK_FIRST_RESPONSE_MINUTES")
    platforms = dict(config.platforms)
    for name, current in config.platforms.items():
        overrides: dict[str, Any] = {}
        for setting in fields(current):
            variable = f"CHATDESK_{name.upper()}_{setting.name.upper()}"
            if env.get(variable):
                value = env[variable].strip()
                overrides[setting.name] = _split(value) if isinstance(getattr(current, setting.name), tuple) else value
                try:
                    replace(current, **{setting.name: overrides[setting.name]})
                except ValidationError as error:
                    raise ConfigError(messages.CONFIG_BAD_VALUE, path="the environment", setting=variable,
                                      problem=value_problem(error, schema=type(current), setting=variable)) from None
        if overrides:
            platforms[name] = replace(current, **overrides)
    changes["platforms"] = platforms
    return replace(config, **changes)


def _env_value(schema: Any, value: Any, variable: str) -> Any:
    try:
        return TypeAdapter(schema).validate_python(value)
    except ValidationError as error:
        raise ConfigError(messages.CONFIG_BAD_VALUE, path="the environment", setting=variable,
                          problem=value_problem(error, schema=schema, setting=variable)) from None


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _from_mapping(data: Mapping[str, Any], *, root: Path, path: Path | None, text: str | None) -> Config:
    registry.discover()  # every platform and feature has registered its tables
    found = validate(data, where=str(path or "the built-in demo configuration"), text=text)
    top = found[TOP]
    categories = found.get("categories", DEMO_CATEGORIES if "categories" not in data else ())
    platforms = {p.name: found.get(p.name, p.default or p.section()) for p in registry.platforms()}
    return Config(
        team=top.team,
        timezone=top.timezone,
        first_response_minutes=top.first_response_minutes,
        data_dir=(root / Path(top.data_dir).expanduser()) if top.data_dir else None,
        categories=categories,
        platforms=platforms,
        help_site=found.get("help_site", HelpSiteConfig()),
        kb=found.get("kb", KnowledgeBaseConfig()),
        scrub_patterns=found.get("privacy", PrivacyConfig()).scrub_patterns,
        settings=dict(data),
        root=root,
        path=path,
        sections={name: value for name, value in found.items() if name != TOP},
    )
