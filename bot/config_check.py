"""Validate a parsed ``chatdesk.toml`` against the registered sections and report every problem.

Each problem names the line (found in the file's text), the key (``console.agents``), what was
expected (read from the schema, ranges included) and what was found, so a careless edit is
a one-line fix instead of a traceback or a silently ignored setting.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import annotated_types
from pydantic import ValidationError

from bot import messages
from bot.config_schema import TopLevel, sections, top_level_keys
from bot.errors import ConfigError

TOP = ""  # the key under which the top-level settings are returned


def validate(data: Mapping[str, Any], *, where: str, text: str | None = None) -> dict[str, Any]:
    """Validated sections by name (the top-level keys under ``TOP``); raises one ConfigError listing all problems."""
    known = sections()
    problems: list[str] = []
    found: dict[str, Any] = {}
    for key, value in data.items():
        if key in top_level_keys():
            continue
        if key not in known:
            choices = sorted({*known, *top_level_keys()})
            problems.append(_line(text, (key,)) + f"{key}: " + _unknown(key, choices, section=None))
            continue
        try:
            found[key] = known[key].adapter.validate_python(value)
        except ValidationError as error:
            problems += [_problem(item, known[key].schema, (key,), text) for item in error.errors()]
    try:
        found[TOP] = TopLevel(**{k: v for k, v in data.items() if k in top_level_keys()})
    except ValidationError as error:
        problems += [_problem(item, TopLevel, (), text) for item in error.errors()]
    if problems:
        raise ConfigError(messages.CONFIG_INVALID, path=where, problems="\n".join(f"  {p}" for p in problems))
    return found


def value_problem(error: ValidationError, *, schema: Any, setting: str) -> str:
    """One line for a value set outside the file (an environment variable)."""
    item = error.errors()[0]
    return _describe_problem(item, schema, ()).replace("(top level)", setting)


def _problem(item: Mapping[str, Any], schema: Any, prefix: tuple[str, ...], text: str | None) -> str:
    loc = (*prefix, *(part for part in item["loc"] if part != "[key]"))
    key = _key(loc) or "(top level)"
    return _line(text, loc) + f"{key}: " + _describe_problem(item, schema, tuple(item["loc"]), prefix)


def _describe_problem(item: Mapping[str, Any], schema: Any, loc: tuple[Any, ...],
                      prefix: tuple[str, ...] = ()) -> str:
    kind = item["type"]
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        owner, _ = _unwrap(_at(schema, loc[:-1]))
        known = tuple(getattr(owner, "__dataclass_fields__", ()))
        return _unknown(str(loc[-1]), known, section=_key((*prefix, *loc[:-1])))
    if kind in ("missing", "missing_argument"):
        full = (*prefix, *loc)
        if len(full) >= 3 and isinstance(full[-2], int):
            return f"each {_singular(str(full[-3]))} needs a {full[-1]}"
        return "is required"
    annotation, constraints = _unwrap(_at(schema, loc))
    expected = _expected(annotation) + _ranges(constraints)
    got = _got(item.get("input"))
    if kind == "value_error":
        return str(item["msg"]).removeprefix("Value error, ")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long"):
        return f"must be {expected}, got {got}"
    return f"expected {expected}, got {got}"


def _unknown(key: str, choices: Sequence[str], *, section: str | None) -> str:
    close = difflib.get_close_matches(key, choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    where = f"setting of {section}" if section else "section or top-level setting"
    return f"is not a known {where} (known: {', '.join(choices)}){hint}"


def _at(schema: Any, loc: tuple[Any, ...]) -> Any:
    """The annotation at ``loc`` inside ``schema`` (following dataclass fields and tuple items)."""
    current = schema
    for part in loc:
        base, _ = _unwrap(current)
        fields = getattr(base, "__pydantic_fields__", None)
        if isinstance(part, str) and fields and part in fields:
            info = fields[part]
            current = typing.Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        elif isinstance(part, int) and typing.get_origin(base) is tuple:
            current = typing.get_args(base)[0]
        else:
            return None
    return current


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` and ``X | None`` down to the type, keeping the range constraints."""
    constraints: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *metadata = typing.get_args(annotation)
            constraints += metadata
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
            if len(members) != 1:
                return annotation, constraints
        else:
            return annotation, constraints


NAMES = {str: "text (a quoted string)", int: "a whole number", float: "a number", bool: "true or false"}
PLURALS = {str: "text values", int: "whole numbers", float: "numbers", bool: "true/false values"}


def _expected(annotation: Any) -> str:
    base, _ = _unwrap(annotation)
    if typing.get_origin(base) is tuple:
        item, constraints = _unwrap(typing.get_args(base)[0])
        inner = PLURALS.get(item) or ("tables" if hasattr(item, "__dataclass_fields__") else "values")
        return f"a list of {inner}{_ranges(constraints)}"
    if hasattr(base, "__dataclass_fields__"):
        return "a table"
    return NAMES.get(base, getattr(base, "__name__", str(base)))


def _ranges(constraints: list[Any]) -> str:
    words = []
    for item in constraints:
        for bound in getattr(item, "metadata", None) or (item,):
            if isinstance(bound, annotated_types.Gt):
                words.append("above zero" if bound.gt == 0 else f"above {bound.gt}")
            elif isinstance(bound, annotated_types.Ge):
                words.append(f"at least {bound.ge}")
            elif isinstance(bound, annotated_types.Lt):
                words.append(f"below {bound.lt}")
            elif isinstance(bound, annotated_types.Le):
                words.append(f"at most {bound.le}")
            elif isinstance(bound, annotated_types.MinLen) and bound.min_length:
                words.append("not empty")
    return (" " + " and ".join(words)) if words else ""


def _got(value: Any) -> str:
    kinds = {bool: "true/false", int: "a whole number", float: "a number", str: "text", list: "a list",
             tuple: "a list", dict: "a table"}
    kind = next((name for cls, name in kinds.items() if type(value) is cls), type(value).__name__)
    shown = repr(value)
    return f"{shown[:60]}{'…' if len(shown) > 60 else ''} ({kind})"


def _singular(word: str) -> str:
    return word[:-3] + "y" if word.endswith("ies") else word.removesuffix("s")


def _key(loc: Sequence[Any]) -> str:
    """``("categories", 0, "name")`` → ``categories[0].name``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
ASSIGNMENT = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+)\s*=")


def _line(text: str | None, loc: tuple[Any, ...]) -> str:
    """``line N, `` for the line that sets ``loc`` (best effort: tables, arrays of tables, keys)."""
    if not text:
        return ""
    table: tuple[Any, ...] = ()
    counts: dict[str, int] = {}
    fallback = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER.match(line)
        if header:
            names = tuple(name.strip().strip("\"'") for name in header.group(2).split("."))
            if header.group(1) == "[[":
                counts[".".join(names)] = counts.get(".".join(names), -1) + 1
                table = (*names, counts[".".join(names)])
            else:
                table = names
            if loc[:len(table)] == table:  # the table the key is in (or should be in)
                fallback = f"line {number}, "
            continue
        assignment = ASSIGNMENT.match(line)
        if assignment:
            path = (*table, *(name.strip("\"'") for name in assignment.group(1).split(".")))
            if loc[:len(path)] == path:  # ``agents = [...]`` for a problem in ``agents[1]`` too
                return f"line {number}, "
    return fallback
