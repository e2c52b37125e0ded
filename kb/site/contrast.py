"""WCAG AA contrast of the help site's configured colours, checked before anything is built.

A team can pick any primary colour (a Material name or #hex): a light one makes white header
text and links unreadable. The pairs the site draws as text are checked against WCAG's 4.5:1
for normal text: header text on the primary colour, and link text on the page in the light and
the dark scheme. Material's named colours are read from Material's own palette stylesheet (its
public CSS, so a new Material release brings its own values); a custom #hex is drawn as Material
draws "custom": white header text, the colour itself for links.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

AA_TEXT = 4.5
WHITE = (1.0, 1.0, 1.0)
SLATE = (30 / 255, 32 / 255, 41 / 255)  # Material's dark scheme: hsl(232, 15%, 14%)


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour with channels in 0..1."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def parse_colour(value: str, *, over: tuple[float, float, float] = WHITE) -> tuple[float, float, float]:
    """#rgb, #rrggbb or #rrggbbaa (alpha blended over ``over``) as channels in 0..1."""
    digits = value.strip().lstrip("#")
    if len(digits) in (3, 4):
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in range(0, len(digits), 2)]
    rgb, alpha = channels[:3], channels[3] if len(channels) == 4 else 1.0
    return tuple(alpha * c + (1 - alpha) * o for c, o in zip(rgb, over, strict=True))  # type: ignore[return-value]


def problems(palette: list[dict[str, Any]], *, custom_primary: str | None, source: str) -> list[str]:
    """Every text/background pair of ``palette`` (mkdocs.yml's theme.palette) under 4.5:1.

    ``custom_primary``: the #hex drawn where the palette says "custom" (from config).
    """
    found = []
    for scheme in palette:
        name = str(scheme.get("primary") or "indigo").lower().replace(" ", "-")
        dark = scheme.get("scheme") == "slate"
        custom = name == "custom"
        colours = _named(name) if not custom else {}
        if not custom and not colours:
            continue  # a name this Material has no palette entry for: Material's own default
        hex_primary = custom_primary if custom else colours["fg"]
        if not hex_primary:
            continue
        primary = parse_colour(hex_primary)
        header = parse_colour(colours.get("bg", "#ffffff"), over=primary)
        link = parse_colour((colours.get("link_dark") if dark else colours.get("link_light")) or hex_primary)
        page = SLATE if dark else WHITE
        label = f"{source} {hex_primary if custom else name}"
        for what, ratio in (("header text on it", contrast(header, primary)),
                            (f"links on the {'dark' if dark else 'light'} page", contrast(link, page))):
            problem = f"{label}: {what} is {ratio:.2f}:1, WCAG AA needs {AA_TEXT}:1"
            if ratio < AA_TEXT and problem not in found:
                found.append(problem)
    return found


def _named(name: str) -> dict[str, str]:
    blocks = dict(_palette_blocks())
    fg = blocks.get(f"[data-md-color-primary={name}]", {}).get("--md-primary-fg-color")
    if not fg:
        return {}
    colours = {"fg": fg}
    bg = blocks.get(f"[data-md-color-primary={name}]", {}).get("--md-primary-bg-color")
    if bg:
        colours["bg"] = bg
    light = blocks.get(f"[data-md-color-primary={name}]:not([data-md-color-scheme=slate])", {})
    dark = blocks.get(f"[data-md-color-scheme=slate][data-md-color-primary={name}]", {})
    for key, block in (("link_light", light), ("link_dark", dark)):
        value = block.get("--md-typeset-a-color", "")
        if value.startswith("#"):
            colours[key] = value
    return colours


@functools.cache
def _palette_css() -> str:
    import material

    sheets = sorted((Path(material.__file__).parent / "templates" / "assets" / "stylesheets").glob("palette.*.min.css"))
    return sheets[0].read_text(encoding="utf-8") if sheets else ""


def _palette_blocks() -> Iterator[tuple[str, dict[str, str]]]:
    merged: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"(\[data-md-color-[^{]*)\{([^}]*)\}", _palette_css()):
        for selector in selectors.split(","):  # "[...=amber],[...=lime]{...}" sets both
            values = merged.setdefault(selector.strip(), {})
            for key, value in re.findall(r"(--[\w-]+):([^;]+)", body):
                if value.strip().startswith("#"):
                    values.setdefault(key, value.strip())
    return iter(merged.items())
