"""The layers stay apart: kb/ never imports bot/, the core imports no adapter or chat SDK, adapters
reach the core only through the Desk's public surface, and no code module grows past 400 lines."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDKS = ("slack_bolt", "slack_sdk", "discord", "aiohttp")
# What an adapter may import from the core: the Desk and the value types and text it speaks in.
# ``bot.app`` wires a desk for a runner; ``bot.commands`` and ``bot.config`` describe verbs and settings.
DESK_SURFACE = ("bot.desk", "bot.domain", "bot.replies", "bot.routing", "bot.threads", "bot.errors", "bot.messages",
                "bot.render", "bot.config", "bot.commands", "bot.app", "bot.adapters",
                "bot.registry", "bot.config_schema",  # how a platform registers itself and its table
                "bot.inbox",  # where inbound events wait between acknowledgement and handling
                "bot.outbox", "bot.courier", "bot.outbound")  # where owed posts wait until the platform took them
# Attributes that reach past the Desk into its service or store.
PAST_THE_DESK = ("service", "store")
MAX_LINES = 400


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(files, forbidden) -> list[str]:
    found = []
    for path in files:
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.name} imports {name}")
    return found


def test_kb_imports_neither_bot_nor_chat_sdks():
    assert offenders(sorted((ROOT / "kb").rglob("*.py")), ("bot", *SDKS)) == []


def test_core_imports_no_adapter_and_no_chat_sdk():
    core = [p for p in sorted((ROOT / "bot").rglob("*.py"))
            if "adapters" not in p.parts and p.parent.name != "cli"]
    assert core, "the core has modules"
    assert offenders(core, ("bot.adapters", *SDKS)) == []


def test_the_check_itself_catches_an_sdk_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import slack_bolt\nfrom discord import ui\n")
    assert sorted(offenders([sample], SDKS)) == ["sample.py imports discord", "sample.py imports slack_bolt"]


def adapter_files() -> list[Path]:
    files = sorted((ROOT / "bot" / "adapters").rglob("*.py"))
    assert files, "there are adapters"
    return files


def outside_surface(files, root: Path = ROOT) -> list[str]:
    """Core modules an adapter imports that are not the Desk's public surface."""
    found = []
    for path in files:
        for name in imported_modules(path):
            if name == "bot" or not name.startswith("bot."):
                continue  # ``from bot import messages`` is the core's text, the SDKs are the adapter's own
            if not any(name == allowed or name.startswith(allowed + ".") for allowed in DESK_SURFACE):
                found.append(f"{path.relative_to(root)} imports {name}")
    return found


def reaches_past_the_desk(files, root: Path = ROOT) -> list[str]:
    """``desk.service…`` or ``….store…`` in an adapter: the Desk has a method for every need."""
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PAST_THE_DESK:
                found.append(f"{path.relative_to(root)}:{node.lineno} uses .{node.attr}")
    return found


def test_adapters_import_only_the_desk_surface():
    assert outside_surface(adapter_files()) == []


def test_adapters_never_reach_the_service_or_the_store():
    assert reaches_past_the_desk(adapter_files()) == []


def test_the_surface_checks_catch_a_store_import_and_a_service_call(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from bot.store import TinyTicketStore\nimport bot.service\n"
                      "def f(desk):\n    return desk.service.store.get('T-1')\n")
    assert sorted(outside_surface([sample], tmp_path)) == ["sample.py imports bot.service",
                                                           "sample.py imports bot.store"]
    assert reaches_past_the_desk([sample], tmp_path) == ["sample.py:4 uses .store", "sample.py:4 uses .service"]


def test_no_code_module_is_over_400_lines():
    too_long = [f"{p.relative_to(ROOT)}: {n} lines" for p in sorted([*(ROOT / "bot").rglob("*.py"),
                                                                   *(ROOT / "kb").rglob("*.py")])
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert too_long == []


PLATFORM_NAMES = re.compile(r"slack|discord", re.IGNORECASE)


def platform_mentions(path: Path, root: Path = ROOT) -> list[str]:
    """Names and strings in ``path``'s code (docstrings and comments aside) that name a chat platform."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)}
    found = []
    for node in ast.walk(tree):
        words: list[str] = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words.append(node.value)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            words.append(node.name)
        elif isinstance(node, ast.alias):
            words.append(node.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            words.append(node.module)
        found += [f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')} names {word[:40]!r}"
                  for word in words if PLATFORM_NAMES.search(word)]
    return found


def core_modules() -> list[Path]:
    return [p for p in sorted((ROOT / "bot").rglob("*.py")) if "adapters" not in p.relative_to(ROOT).parts]


def test_no_core_module_names_a_platform():
    assert [line for path in core_modules() for line in platform_mentions(path)] == []


def test_the_platform_check_catches_code_but_not_prose(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Works on Slack and Discord."""\n# slack\nPLATFORMS = ("console", "slack")\n'
                      "def f():\n    \"\"\"Discord too.\"\"\"\n    return discord_token\n")
    assert platform_mentions(sample, tmp_path) == ["sample.py:3 names 'slack'", "sample.py:6 names 'discord_token'"]
