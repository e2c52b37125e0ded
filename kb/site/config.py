"""One MkDocs config per language: ``mkdocs.yml`` overlaid with config values, nav and search."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from kb.errors import KnowledgeBaseError
from kb.site.generate import LanguageSite, search_index_path
from kb.site.options import SiteOptions, is_hex
from kb.site.strings import language_name, text
from kb.site.translations import language_root, site_origin

HOOK = Path(__file__).with_name("hooks.py").resolve()
SEARCH_HOOK = Path(__file__).with_name("search_hook.py").resolve()
THEME = Path(__file__).with_name("theme").resolve()

# Languages lunr (Material's search) has a stemmer/tokenizer for; others use Material's default.
LUNR_LANGUAGES: frozenset[str] = frozenset(
    {
        "ar", "da", "de", "du", "el", "en", "es", "fi", "fr", "he", "hi", "hu", "hy", "it", "ja",
        "jp", "kn", "ko", "nl", "no", "pt", "ro", "ru", "sa", "sv", "ta", "te", "th", "tr", "vi",
        "zh",
    }
)

# Persian: no stemmer exists, and lunr's trimmer would strip every non-Latin letter, so the
# pipeline stays empty (as Material's own fa.html does). Zero-width non-joiners and Persian
# punctuation separate words, so "ثبت‌نام" is found by "ثبت نام" too.
SEARCH_OVERRIDES: dict[str, dict[str, Any]] = {
    "fa": {"lang": ["en"], "pipeline": [], "separator": "[\\s\\-\u200c\u200f،؛؟.!?:()«»]+"},
    # Thai: kb_site marks word breaks with U+200B (kb.site.thai); chatdesk.js does the same to
    # the customer's query with the browser's Intl.Segmenter, so words match words.
    "th": {"lang": ["th"], "separator": "[\\s\\-\u200b]+"},
    "ur": {"lang": ["en"], "pipeline": [], "separator": "[\\s\\-\u200c\u200f،؛؟.!?:()]+"},
}


class ConfigError(KnowledgeBaseError):
    """``mkdocs.yml`` cannot be used as the base config."""


def load_base_config(path: Path) -> dict[str, Any]:
    """Read ``mkdocs.yml`` as plain data; errors name the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("not found (kb build needs the help site's mkdocs.yml)", path=path) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not plain YAML ({exc})", path=path) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of MkDocs settings", path=path)
    return data


def search_settings(language: str) -> dict[str, Any]:
    """The search plugin's settings for a site in ``language``."""
    if language in SEARCH_OVERRIDES:
        return copy.deepcopy(SEARCH_OVERRIDES[language])
    return {"lang": [language]} if language in LUNR_LANGUAGES else {}


def language_config(
    base: dict[str, Any],
    *,
    site: LanguageSite,
    sites: Sequence[LanguageSite],
    options: SiteOptions,
    site_dir: Path,
) -> dict[str, Any]:
    """The full MkDocs config for ``site``, built on ``base`` (the parsed mkdocs.yml)."""
    config = copy.deepcopy(base)
    config.pop("INHERIT", None)
    language = site.language
    config["docs_dir"] = str(site.docs_dir.resolve())
    config["site_dir"] = str(site_dir.resolve())
    site_name = options.name_in(language)
    if site_name:
        config["site_name"] = site_name
    if options.site_url:
        root_url = options.site_url.rstrip("/") + "/"
        config["site_url"] = root_url if language == options.default_language else f"{root_url}{language}/"

    theme = config.setdefault("theme", {"name": "material"})
    theme["language"] = language
    theme.pop("direction", None)  # Material sets rtl from the language (fa, ar, he)
    if options.primary or options.accent:
        theme["palette"] = palette_for(theme.get("palette"), primary=options.primary, accent=options.accent)
    if isinstance(theme.get("palette"), list):
        theme["palette"] = translated_toggles(theme["palette"], language=language)
    config["markdown_extensions"] = _translated_permalinks(config.get("markdown_extensions"), language=language)

    config["plugins"] = _plugins(config.get("plugins"), search=search_settings(language))
    ours = {HOOK.name, SEARCH_HOOK.name}
    config["hooks"] = [str(HOOK), str(SEARCH_HOOK)] + [
        h for h in config.get("hooks") or [] if Path(h).name not in ours
    ]
    # The chatdesk search worker is switched on by one template block (kb/site/theme); a
    # custom_dir of mkdocs.yml's own wins, and then Material's search runs on the same index.
    theme.setdefault("custom_dir", str(THEME))
    config.setdefault("extra", {})["chatdesk_search"] = str(
        search_index_path(site.docs_dir.parent, language).resolve()
    )
    extra_css = list(config.get("extra_css") or [])
    if "assets/chatdesk.css" not in extra_css:
        extra_css.append("assets/chatdesk.css")
    config["extra_css"] = extra_css
    extra_js = list(config.get("extra_javascript") or [])
    if "assets/chatdesk.js" not in extra_js:
        extra_js.append("assets/chatdesk.js")
    config["extra_javascript"] = extra_js
    config["extra"]["chatdesk_made_with"] = text(language, "made_with")
    config["nav"] = _nav(site)
    config["not_in_nav"] = "/articles/\n/tags/\n"
    if len(sites) > 1:
        extra = config.setdefault("extra", {})
        # Every site's home; kb/site/hooks.py sets each page's own links from these.
        extra["alternate"] = _alternates(sites, options=options)
        extra["chatdesk_languages"] = copy.deepcopy(extra["alternate"])
        extra["chatdesk_default_language"] = options.default_language
        extra["chatdesk_origin"] = site_origin(options)
    return config


def write_config(config: dict[str, Any], path: Path) -> Path:
    """Write a generated config where `mkdocs build -f` / `mkdocs serve -f` can use it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# GENERATED by `chatdesk kb build` from mkdocs.yml and config: do not edit.\n"
    path.write_text(header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def palette_for(palette: Any, *, primary: str | None, accent: str | None) -> list[dict[str, Any]]:
    """mkdocs.yml's palette with config's colours ("custom" for #hex), or Material's default."""
    schemes = palette if isinstance(palette, list) and palette else [
        {"media": "(prefers-color-scheme: light)", "scheme": "default",
         "toggle": {"icon": "material/brightness-7", "name": "Switch to dark mode"}},
        {"media": "(prefers-color-scheme: dark)", "scheme": "slate",
         "toggle": {"icon": "material/brightness-4", "name": "Switch to light mode"}},
    ]
    result = []
    for scheme in schemes:
        scheme = dict(scheme)
        if primary:
            scheme["primary"] = "custom" if is_hex(primary) else primary.lower()
        if accent:
            scheme["accent"] = "custom" if is_hex(accent) else accent.lower()
        result.append(scheme)
    return result


def translated_toggles(palette: list[Any], *, language: str) -> list[Any]:
    """The palette with its toggles' names in ``language`` where mkdocs.yml has the English text.

    Material does not translate them: they are mkdocs.yml's own words. A toggle names what
    pressing it does, which is switching to the next scheme in the list (the last to the first).
    """
    result = []
    for n, scheme in enumerate(palette):
        toggle = scheme.get("toggle") if isinstance(scheme, dict) else None
        if not isinstance(toggle, dict):
            result.append(scheme)
            continue
        after = palette[(n + 1) % len(palette)]
        key = _toggle_key(after if isinstance(after, dict) else {})
        if toggle.get("name") in (None, text("en", key)):
            scheme = {**scheme, "toggle": {**toggle, "name": text(language, key)}}
        result.append(scheme)
    return result


def _toggle_key(scheme: dict[str, Any]) -> str:
    if scheme.get("media", "").strip() == "(prefers-color-scheme)":  # Material's "automatic" entry
        return "to_system"
    return "to_dark" if scheme.get("scheme") == "slate" else "to_light"


def _translated_permalinks(extensions: Any, *, language: str) -> list[Any]:
    # The toc extension's heading anchors are titled "Permanent link" unless mkdocs.yml says otherwise.
    result = []
    for entry in extensions or []:
        if isinstance(entry, dict) and "toc" in entry:
            settings = dict(entry["toc"] or {})
            if settings.get("permalink") and settings.get("permalink_title") in (None, text("en", "permalink")):
                settings["permalink_title"] = text(language, "permalink")
            entry = {**entry, "toc": settings}
        result.append(entry)
    return result


def _plugins(plugins: Any, *, search: dict[str, Any]) -> list[Any]:
    # The search and tags plugins are required; others from mkdocs.yml are kept as they are.
    result: list[Any] = []
    names = set()
    for entry in plugins or []:
        name = entry if isinstance(entry, str) else next(iter(entry))
        names.add(name)
        if name == "search":
            settings = {} if isinstance(entry, str) else dict(entry[name] or {})
            settings.update(search)
            entry = {"search": settings} if settings else "search"
        result.append(entry)
    if "search" not in names:
        result.insert(0, {"search": search} if search else "search")
    if "tags" not in names:
        result.append("tags")
    return result


def _nav(site: LanguageSite) -> list[dict[str, str]]:
    # Categories and tags only: a nav listing every article made 1,000 articles 4x slower.
    nav = [{text(site.language, "home"): "index.md"}]
    nav += [{c.title: f"categories/{c.slug}.md"} for c in site.categories]
    nav.append({text(site.language, "tags"): "tags/index.md"})
    return nav


def _alternates(sites: Sequence[LanguageSite], *, options: SiteOptions) -> list[dict[str, str]]:
    return [
        {"name": language_name(s.language), "link": language_root(s.language, options=options), "lang": s.language}
        for s in sites
    ]
