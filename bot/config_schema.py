"""The typed schema of ``chatdesk.toml``: one pydantic dataclass per section, validated strictly.

Scalars are pydantic's ``Strict*`` types, so nothing is coerced (``1.9`` or ``true`` is not a
number of minutes, ``"maria"`` is not a list of agents); unknown keys are refused; numbers carry
their ranges. A section that a platform or feature brings is registered here with
``register_section`` by whoever owns it, so the core never lists them.
"""

from __future__ import annotations

import dataclasses as std
import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr, TypeAdapter
from pydantic.dataclasses import dataclass
from pydantic.functional_validators import AfterValidator

# Extra keys are refused; the Strict* scalars below refuse coercion (lax mode only lets a TOML
# list fill a tuple field and a table fill a section).
SCHEMA = ConfigDict(extra="forbid")
section = dataclass(frozen=True, slots=True, config=SCHEMA)

StrictNumber = Annotated[float, Field(strict=True)]  # an int or a float, never a bool or text
Text = StrictStr
TextList = tuple[StrictStr, ...]
# A year of minutes: more is a typo, and it would overflow the scheduler's date arithmetic.
MAX_MINUTES = 525_600
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _known_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a known time zone (use an IANA name such as Europe/Berlin)") from None
    return name


def _regular_expressions(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from None
    return patterns


def _weekday(name: str) -> str:
    if name.strip().lower() not in WEEKDAYS:
        raise ValueError(f"{name!r} is not a weekday such as monday")
    return name


def _time_of_day(text: str) -> str:
    try:
        dt.time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day such as 09:00") from None
    return text


def _name_alone(value: Any) -> Any:
    """A category may be written as just its name: ``categories = ["billing"]``."""
    return {"name": value} if isinstance(value, str) else value


TimeZone = Annotated[StrictStr, AfterValidator(_known_timezone)]
Minutes = Annotated[StrictInt, Field(gt=0, le=MAX_MINUTES)]
Share = Annotated[StrictNumber, Field(ge=0.0, le=1.0)]
Days = Annotated[StrictNumber, Field(gt=0, le=3650)]


@section
class Category:
    """A ticket category and the checklist shown to whoever claims a ticket of it."""

    name: Annotated[StrictStr, Field(min_length=1)]
    checklist: TextList = ()


@section
class HelpSiteConfig:
    """How the public help center looks and where it lives."""

    url: Text = "http://127.0.0.1:8000/"
    name: Text = "Help Center"
    primary_color: Text = "indigo"
    accent_color: Text = "amber"
    support_link: Text = ""
    support_label: Text = "#support"
    languages: Annotated[TextList, Field(min_length=1)] = ("en",)
    # The name on the other languages' sites: names = { th = "…", fa = "…" } (default: name).
    names: dict[StrictStr, StrictStr] = std.field(default_factory=dict)


@section
class KnowledgeBaseConfig:
    """Where articles live and how sure matching must be before it suggests one."""

    sources_dir: Text = "faq_sources"
    docs_dir: Text = "kb_site"
    default_language: Text = "en"
    threshold: Share | None = None


def _phone_region(code: str) -> str:
    import phonenumbers

    if code and code.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{code!r} is not a country code phone numbers know (use one such as DE, US or TH)")
    return code.upper()


@section
class PrivacyConfig:
    """Extra personal-data patterns scrubbed from drafts and learned phrasings."""

    scrub_patterns: Annotated[TextList, AfterValidator(_regular_expressions)] = ()
    # The country whose local phone formats are scrubbed ("" = the team time zone's country).
    phone_region: Annotated[Text, AfterValidator(_phone_region)] = ""


@section
class ScheduleConfig:
    """``[schedule]``: when the weekly post, reminders and waiting nudges fire."""

    weekly_post: StrictBool = True
    weekly_day: Annotated[StrictStr, AfterValidator(_weekday)] = "monday"
    weekly_time: Annotated[StrictStr, AfterValidator(_time_of_day)] = "09:00"
    weekly_catch_up: Annotated[StrictInt, Field(ge=1, le=520)] = 8  # missed weekly posts sent after a long stop
    reminders: StrictBool = True
    waiting_nudge_days: Days = 3
    waiting_close_days: Days = 4


@section
class PlatformConfig:
    """Where the desk listens on one platform and who its agents are there (ids, or a role/group)."""

    channels: TextList = ()
    agents: TextList = ()
    agent_role: Text | None = None
    team_channel: Text | None = None


@section
class TopLevel:
    """The keys of the file outside any table."""

    team: Text = "Demo team"
    timezone: TimeZone = "UTC"
    first_response_minutes: Minutes = 60
    data_dir: Text | None = None
    survey_rate: Share | None = None


CategoryList = tuple[Annotated[Category, BeforeValidator(_name_alone)], ...]


@std.dataclass(frozen=True, slots=True)
class SectionSchema:
    """A top-level table of the file and the type that validates it."""

    name: str
    schema: Any
    doc: str = ""
    adapter: TypeAdapter = std.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", TypeAdapter(self.schema))


_SECTIONS: dict[str, SectionSchema] = {}


def register_section(name: str, schema: Any, *, doc: str = "") -> None:
    """Make ``[name]`` a known table of the file, validated by ``schema`` (a pydantic type)."""
    _SECTIONS[name] = SectionSchema(name, schema, doc)


def sections() -> Mapping[str, SectionSchema]:
    """Every table the file may hold, by name."""
    return dict(_SECTIONS)


def top_level_keys() -> tuple[str, ...]:
    return tuple(TopLevel.__dataclass_fields__)


for _name, _schema in (("categories", CategoryList), ("help_site", HelpSiteConfig), ("kb", KnowledgeBaseConfig),
                       ("privacy", PrivacyConfig), ("schedule", ScheduleConfig)):
    register_section(_name, _schema)
