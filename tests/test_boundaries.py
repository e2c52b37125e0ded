"""The layers stay apart: kb/ never imports bot/, and the core imports no adapter or chat SDK."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDKS = ("slack_bolt", "slack_sdk", "discord", "aiohttp")


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
