"""Help-site settings passed in by the caller (the bot's config): kb never reads bot config itself."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from kb.errors import SettingError

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")

# Material's named palette colours; anything else must be a hex colour (rendered as "custom").
MATERIAL_COLOURS: frozenset[str] = frozenset(
    {
        "red", "pink", "purple", "deep purple", "indigo", "blue", "light blue", "cyan", "teal",
        "green", "light green", "lime", "yellow", "amber", "orange", "deep orange", "brown",
        "grey", "blue grey", "black", "white",
    }
)


@dataclass(frozen=True, kw_only=True)
class SiteOptions:
    """What the help site takes from config; ``None`` keeps the value in ``mkdocs.yml``."""

    site_name: str | None = None
    site_url: str | None = None
    primary: str | None = None
    accent: str | None = None
    support_url: str | None = None
    support_label: str = "#support"
    # Empty: one site per language that has published articles, default language first.
    languages: tuple[str, ...] = ()
    default_language: str = "en"
    # Category key -> language -> name (kb.site.categories); ``category_names_file`` is where
    # they came from, named when a category has no name in a site's language.
    category_names: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    category_names_file: Path | None = None
    # The site's name in other languages than the default (``site_name`` is the default's).
    site_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    related_limit: int = 5

    def name_in(self, language: str) -> str | None:
        """The site's name on the ``language`` site (``None``: keep mkdocs.yml's)."""
        return self.site_names.get(language) or self.site_name

    def __post_init__(self) -> None:
        for name in ("primary", "accent"):
            value = getattr(self, name)
            if value is not None and not is_colour(value):
                raise SettingError(
                    f"{name} colour {value!r} is neither a Material colour name nor #hex"
                )
        if self.support_url and not self.support_url.startswith(("https://", "http://")):
            raise SettingError(f"support_url must be an http(s) link, got {self.support_url!r}")


def is_colour(value: str) -> bool:
    """True for a Material palette name ('indigo', 'deep purple') or a #rgb/#rrggbb colour."""
    return value.lower().replace("-", " ") in MATERIAL_COLOURS or bool(_HEX.match(value))


def is_hex(value: str | None) -> bool:
    """True when ``value`` is a #hex colour, which Material needs as a 'custom' colour."""
    return bool(value and _HEX.match(value))
