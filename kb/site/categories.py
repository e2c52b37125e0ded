"""Category names per language, from ``faq_sources/categories.yml``.

Articles name their category by a key (``category: billing``); the site shows that category's
name in the page's language. The file maps each key to its names::

    billing:
      en: Billing
      th: การชำระเงิน
      fa: صورتحساب و پرداخت

A category shown on a site in a language other than the default must have a name in that
language (kb.site.generate refuses the build otherwise), so no English name reaches the Thai or
Persian site. On the default language's site a missing name falls back to the key, capitalised.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from kb.errors import KnowledgeBaseError
from kb.sources import MAX_NAME

FILE_NAME = "categories.yml"
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")

class CategoryNamesError(KnowledgeBaseError):
    """``categories.yml`` cannot be read as category names; the message names the file and line."""


def names_path(sources_dir: Path) -> Path:
    """Where a sources directory keeps its category names."""
    return Path(sources_dir) / FILE_NAME


def load_category_names(sources_dir: Path) -> MappingProxyType:
    """The names in ``sources_dir/categories.yml``, key -> language -> name (empty without the file)."""
    path = names_path(sources_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return MappingProxyType({})
    except UnicodeDecodeError as exc:
        raise CategoryNamesError(f"not valid UTF-8 text ({exc.reason})", path=path) from None
    except OSError as exc:
        raise CategoryNamesError(f"cannot read file: {exc.strerror or exc}", path=path) from None
    return parse_category_names(text, path=path)


def parse_category_names(text: str, *, path: Path) -> MappingProxyType:
    """Parse the file's text; every problem names ``path``, the line and the key."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CategoryNamesError(f"broken YAML: {exc.problem or exc}", path=path,
                                 line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise CategoryNamesError(f"broken YAML: {exc}", path=path) from None
    if node is None:
        return MappingProxyType({})
    if not isinstance(node, yaml.MappingNode):
        raise CategoryNamesError(
            "expected a mapping of category keys to their names per language "
            "(billing: {en: Billing, th: …})", path=path, line=node.start_mark.line + 1)
    result: dict[str, MappingProxyType] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = _scalar(key_node)
        if key is None or not key.strip() or len(key) > MAX_NAME:
            raise CategoryNamesError(f"category key {key!r} must be the text articles write as "
                                     f"their category (at most {MAX_NAME} characters)", path=path, line=line)
        key = " ".join(key.split())
        if key in result:
            raise CategoryNamesError(f"category {key!r} is listed twice", path=path, line=line)
        result[key] = MappingProxyType(_names(key, value_node, path=path))
    return MappingProxyType(result)


def _names(key: str, node: Any, *, path: Path) -> dict[str, str]:
    if not isinstance(node, yaml.MappingNode):
        raise CategoryNamesError(f"category {key!r}: expected its names by language code "
                                 f"({key}: {{en: …, th: …}})", path=path, line=node.start_mark.line + 1)
    names: dict[str, str] = {}
    for language_node, name_node in node.value:
        line = language_node.start_mark.line + 1
        language = _scalar(language_node)
        if language is None or not _LANGUAGE.match(language):
            raise CategoryNamesError(f"category {key!r}: {language!r} is not a language code "
                                     "such as en, th or fa", path=path, line=line)
        if language in names:
            raise CategoryNamesError(f"category {key!r} has two {language} names", path=path, line=line)
        name = _scalar(name_node)
        if name is None or not name.strip():
            raise CategoryNamesError(f"category {key!r}: the {language} name must be non-empty text",
                                     path=path, line=name_node.start_mark.line + 1)
        names[language] = " ".join(name.split())
    return names


def _scalar(node: Any) -> str | None:
    # The text as written: "no" is Norwegian, not YAML's false; a list or mapping is None.
    return node.value if isinstance(node, yaml.ScalarNode) else None
