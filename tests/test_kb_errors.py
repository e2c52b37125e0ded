"""One knowledge-base error hierarchy: every kb error names where it happened, and the CLI prints it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from kb.drafts import DraftError
from kb.errors import KnowledgeBaseError, OutputDirectoryError, SettingError
from kb.site.build import SiteBuildError
from kb.site.config import ConfigError, load_base_config
from kb.sources import SourceProblem, parse_article

REPO = Path(__file__).resolve().parents[1]
QUERIES = Path(__file__).parent / "fixtures" / "kb" / "eval_queries.csv"


def test_every_kb_error_is_one_hierarchy_and_keeps_its_old_base():
    for error in (SourceProblem, DraftError, ConfigError, SiteBuildError, OutputDirectoryError, SettingError):
        assert issubclass(error, KnowledgeBaseError), error
    assert issubclass(SiteBuildError, RuntimeError) and issubclass(OutputDirectoryError, FileExistsError)


def test_errors_carry_the_file_and_the_line(tmp_path):
    with pytest.raises(SourceProblem) as parsed:
        parse_article("---\ntitle: [unclosed\n---\nbody\n", slug="broken", path=tmp_path / "broken.md")
    assert parsed.value.line == 2 and "YAML" in parsed.value.problem
    bad = tmp_path / "mkdocs.yml"
    bad.write_text("site_name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as loaded:
        load_base_config(bad)
    assert loaded.value.path == bad and str(loaded.value).startswith(f"{bad}: not plain YAML")
    located = KnowledgeBaseError("no answer", path="faq_sources/x.md", line=7)
    assert str(located) == "faq_sources/x.md:7: no answer" and located.where == "faq_sources/x.md:7"


def test_kb_build_prints_a_bad_site_setting_instead_of_a_traceback(tmp_path, monkeypatch, capsys):
    shutil.copyfile(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(REPO / "faq_sources", tmp_path / "faq_sources")
    (tmp_path / "chatdesk.toml").write_text(
        (REPO / "chatdesk.toml").read_text(encoding="utf-8").replace('support_link = ""', 'support_link = "ftp://x"', 1),
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHATDESK_DATA", str(tmp_path / "data"))
    assert main(["kb", "build"]) == 1
    err = capsys.readouterr().err
    assert "support_url must be an http(s) link" in err and "Traceback" not in err


def test_kb_eval_prints_an_out_of_range_threshold(tmp_path, capsys):
    argv = ["kb", "eval", "--kb-csv", str(QUERIES), "--queries-csv", str(QUERIES), "--threshold", "2"]
    assert main(argv) == 1
    assert "threshold must be between 0 and 1" in capsys.readouterr().err
