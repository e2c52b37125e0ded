"""Team configuration: ``chatdesk.toml`` plus environment overrides, with a demo team default.

With no file at all a built-in demo team applies (agents ``maria`` and ``sam``; categories
billing, technical, installation, account; a 60-minute first-response target), so a newcomer
can run the console desk with nothing to configure.
"""

from __future__ import annotations

import os
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot import messages
from bot.errors import ConfigError

CONFIG_FILENAME = "chatdesk.toml"


@dataclass(frozen=True, slots=True)
class Category:
    """A ticket category and the checklist shown to whoever claims a ticket of it."""

    name: str
    checklist: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    """Where the desk listens on one platform and who its agents are there."""

    channels: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    agent_role: str | None = None
    team_channel: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HelpSiteConfig:
    """How the public help center looks and where it lives."""

    url: str = "http://127.0.0.1:8000/"
    name: str = "Help Center"
    primary_color: str = "indigo"
    accent_color: str = "amber"
    support_link: str = ""
    support_label: str = "#support"
    languages: tuple[str, ...] = ("en",)


@dataclass(frozen=True, slots=True)
class KnowledgeBaseConfig:
    """Where articles live and how sure matching must be before it suggests one."""

    sources_dir: str = "faq_sources"
    docs_dir: str = "kb_site"
    default_language: str = "en"
    threshold: float | None = None


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

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def platform(self, name: str) -> PlatformConfig:
        """The settings of one platform (empty when the file says nothing about it)."""
        return self.platforms.get(name, PlatformConfig())

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

EXAMPLE_CONFIG = """\
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

# The local console desk: who is an agent there.
[console]
channels = ["support"]
agents = ["maria", "sam"]

# Slack: support channel ids, and agent user ids and/or a user-group id.
[slack]
channels = []
agents = []
# team_channel = "C0123456789"

# Discord: support channel ids, and the agent role (id or name).
[discord]
channels = []
agent_role = "Support"
# team_channel = "123456789012345678"

[help_site]
url = "http://127.0.0.1:8000/"
name = "Homing Help Center"
primary_color = "indigo"
accent_color = "amber"
support_label = "#support"
support_link = ""
languages = ["en", "th", "fa"]

[kb]
sources_dir = "faq_sources"
docs_dir = "kb_site"
default_language = "en"
# Leave unset to let the matcher calibrate its refusal threshold on the articles themselves.
# threshold = 0.5

[privacy]
# Extra patterns scrubbed from drafts and learned phrasings (emails, phones, cards always are).
scrub_patterns = ['\\bORD-[\\d-]{5,}\\b']
"""


def demo_config(*, root: Path = Path(".")) -> Config:
    """The built-in demo team used when there is no configuration file."""
    return _from_mapping(tomllib.loads(EXAMPLE_CONFIG), root=root, path=None)


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
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(messages.CONFIG_BROKEN, path=config_path, problem=exc) from None
    config = _from_mapping(data, root=config_path.resolve().parent, path=config_path)
    return _apply_env(config, env)


def _apply_env(config: Config, env: Mapping[str, str]) -> Config:
    changes: dict[str, Any] = {}
    if env.get("CHATDESK_DATA"):
        changes["data_dir"] = Path(env["CHATDESK_DATA"]).expanduser()
    if env.get("CHATDESK_TZ"):
        changes["timezone"] = _check_timezone(env["CHATDESK_TZ"], "CHATDESK_TZ")
    if env.get("CHATDESK_FIRST_RESPONSE_MINUTES"):
        changes["first_response_minutes"] = _positive_int(
            env["CHATDESK_FIRST_RESPONSE_MINUTES"], "CHATDESK_FIRST_RESPONSE_MINUTES"
        )
    platforms = dict(config.platforms)
    for name in ("slack", "discord"):
        upper = name.upper()
        current = config.platform(name)
        if env.get(f"CHATDESK_{upper}_CHANNELS"):
            current = replace(current, channels=_split(env[f"CHATDESK_{upper}_CHANNELS"]))
        if env.get(f"CHATDESK_{upper}_AGENTS"):
            current = replace(current, agents=_split(env[f"CHATDESK_{upper}_AGENTS"]))
        if env.get(f"CHATDESK_{upper}_AGENT_ROLE"):
            current = replace(current, agent_role=env[f"CHATDESK_{upper}_AGENT_ROLE"].strip())
        if env.get(f"CHATDESK_{upper}_TEAM_CHANNEL"):
            current = replace(current, team_channel=env[f"CHATDESK_{upper}_TEAM_CHANNEL"].strip())
        platforms[name] = current
    changes["platforms"] = platforms
    return replace(config, **changes)


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _from_mapping(data: Mapping[str, Any], *, root: Path, path: Path | None) -> Config:
    where = str(path or "built-in demo configuration")
    categories = tuple(_category(entry, where) for entry in data.get("categories", []))
    if not categories and "categories" not in data:
        categories = DEMO_CATEGORIES
    platforms = {
        name: _platform(data.get(name, {}), name, where)
        for name in ("console", "slack", "discord")
    }
    if "console" not in data:
        platforms["console"] = PlatformConfig(channels=("support",), agents=("maria", "sam"))
    site = data.get("help_site", {})
    kb = data.get("kb", {})
    privacy = data.get("privacy", {})
    data_dir = data.get("data_dir")
    threshold = kb.get("threshold")
    for pattern in privacy.get("scrub_patterns", []):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(messages.CONFIG_BAD_VALUE, path=where, setting="privacy.scrub_patterns",
                              problem=f"{pattern!r} is not a valid regular expression ({exc})") from None
    return Config(
        team=str(data.get("team", "Demo team")),
        timezone=_check_timezone(str(data.get("timezone", "UTC")), f"{where}: timezone"),
        first_response_minutes=_positive_int(data.get("first_response_minutes", 60),
                                             f"{where}: first_response_minutes"),
        data_dir=(root / Path(data_dir).expanduser()) if data_dir else None,
        categories=categories,
        platforms=platforms,
        help_site=HelpSiteConfig(
            url=str(site.get("url", HelpSiteConfig.url)),
            name=str(site.get("name", HelpSiteConfig.name)),
            primary_color=str(site.get("primary_color", HelpSiteConfig.primary_color)),
            accent_color=str(site.get("accent_color", HelpSiteConfig.accent_color)),
            support_link=str(site.get("support_link", "")),
            support_label=str(site.get("support_label", HelpSiteConfig.support_label)),
            languages=tuple(site.get("languages", ("en",))),
        ),
        kb=KnowledgeBaseConfig(
            sources_dir=str(kb.get("sources_dir", "faq_sources")),
            docs_dir=str(kb.get("docs_dir", "kb_site")),
            default_language=str(kb.get("default_language", "en")),
            threshold=float(threshold) if threshold is not None else None,
        ),
        scrub_patterns=tuple(privacy.get("scrub_patterns", ())),
        settings=dict(data),
        root=root,
        path=path,
    )


def _category(entry: Any, where: str) -> Category:
    if isinstance(entry, str):
        return Category(entry)
    if not isinstance(entry, Mapping) or not entry.get("name"):
        raise ConfigError(messages.CONFIG_BAD_VALUE, path=where, setting="categories",
                          problem="each category needs a name")
    return Category(str(entry["name"]), tuple(str(item) for item in entry.get("checklist", ())))


def _platform(entry: Any, name: str, where: str) -> PlatformConfig:
    if not isinstance(entry, Mapping):
        raise ConfigError(messages.CONFIG_BAD_VALUE, path=where, setting=name, problem="must be a table")
    return PlatformConfig(
        channels=tuple(str(c) for c in entry.get("channels", ())),
        agents=tuple(str(a) for a in entry.get("agents", ())),
        agent_role=str(entry["agent_role"]) if entry.get("agent_role") else None,
        team_channel=str(entry["team_channel"]) if entry.get("team_channel") else None,
        settings=dict(entry),
    )


def _check_timezone(name: str, setting: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(messages.CONFIG_BAD_TIMEZONE, setting=setting, value=name) from None
    return name


def _positive_int(value: Any, setting: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise ConfigError(messages.CONFIG_BAD_NUMBER, setting=setting, value=value)
    return number
