"""MkDocs hook: put the chatdesk search index (kb/site/search.py) into ``search/search_index.json``.

Runs after the search plugin has written the file, keeping its ``config`` (language, separator)
and replacing its entries, so Material's front end fetches the chatdesk index and hands it to
the search worker as it always does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority


@event_priority(-100)  # after the search plugin (priority 0) wrote its index
def on_post_build(*, config: Any, **_: object) -> None:
    """Replace the search entries with the chatdesk index named in ``extra.chatdesk_search``."""
    source = (config.extra or {}).get("chatdesk_search")
    target = Path(config.site_dir) / "search" / "search_index.json"
    if not source or not target.is_file():
        return
    try:
        ours = json.loads(Path(source).read_text(encoding="utf-8"))
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PluginError(f"{source}: cannot read the chatdesk search index ({exc})") from exc
    data["docs"] = ours["docs"]
    data.setdefault("config", {})["stop_words"] = ours["stop_words"]
    target.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
