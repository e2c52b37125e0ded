"""Unreadable help-site colours are refused before anything is built, with the pair and its ratio."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kb_site_support import REPO, sample_articles

from kb.errors import SettingError
from kb.site import SiteOptions, build_site, contrast


def test_contrast_ratios_are_wcags() -> None:
    assert contrast.contrast(contrast.WHITE, (0.0, 0.0, 0.0)) == pytest.approx(21.0)
    assert contrast.contrast(contrast.parse_colour("#767676"), contrast.WHITE) == pytest.approx(4.54, abs=0.01)
    # 87 % black over yellow, as Material writes its dark header text.
    assert contrast.parse_colour("#000000de", over=(1.0, 1.0, 1.0)) == pytest.approx((0.13,) * 3, abs=0.01)


def test_named_colours_are_read_from_materials_palette() -> None:
    schemes = [{"scheme": "default", "primary": "indigo"}, {"scheme": "slate", "primary": "indigo"}]
    assert contrast.problems(schemes, custom_primary=None, source="x") == []
    light_blue = contrast.problems([{"scheme": "default", "primary": "light blue"}], custom_primary=None, source="x")
    assert any("header text on it is 2.71:1" in p for p in light_blue)


def _project(tmp_path: Path, mkdocs: str | None = None) -> Path:
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(mkdocs(config) if mkdocs else config, encoding="utf-8")
    return tmp_path


def test_an_unreadable_configured_colour_is_refused_before_building(tmp_path: Path) -> None:
    root = _project(tmp_path)
    with pytest.raises(SettingError, match=r"help_site.primary_color #ffe066: header text on it is 1\.30:1"):
        build_site(sample_articles(), root=root, options=SiteOptions(primary="#ffe066"))
    assert not (root / "kb_site").exists() and not (root / "site").exists()


def test_an_unreadable_mkdocs_palette_is_refused_naming_the_file(tmp_path: Path) -> None:
    root = _project(tmp_path, lambda text: text.replace("primary: indigo", "primary: yellow"))
    with pytest.raises(SettingError, match=r"mkdocs\.yml.*yellow: links on the light page is 2\.49:1"):
        build_site(sample_articles(), root=root, options=SiteOptions())
    shutil.rmtree(root)
