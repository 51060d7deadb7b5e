"""bench/extract_eval.py, the extraction benchmark: it knows every page set, keeps held-out
sets from being read page by page, and scores a folder the way the corpus test does.

No timing is asserted here (speed belongs in the bench's own output)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("extract_eval", ROOT / "bench" / "extract_eval.py")
extract_eval = importlib.util.module_from_spec(_spec)
sys.modules["extract_eval"] = extract_eval  # its dataclasses look their module up
_spec.loader.exec_module(extract_eval)


def test_every_split_the_bench_measures_is_there():
    missing = [s.name for s in extract_eval.SPLITS if not s.directory.is_dir()]
    assert missing == []


def test_wcxb_dev_is_a_development_set_apart_from_the_held_out_pages():
    dev = ROOT / "bench" / "pages" / "wcxb-dev"
    split = next(s for s in extract_eval.SPLITS if s.directory == dev)
    assert not split.held_out and dev.resolve() not in extract_eval.HELD_OUT
    ids = lambda folder: {p.name.removesuffix(".html.gz") for p in folder.glob("*.html.gz")}  # noqa: E731
    corpus = {p.stem.rsplit("wcxb-", 1)[1]
              for p in (ROOT / "tests" / "fixtures" / "corpus").glob("*wcxb-*.html")}
    assert len(ids(dev)) > 300  # every second article page of WCXB's dev split
    # WCXB's file ids are unique across its splits: no page is both tuned on and held out
    assert ids(dev).isdisjoint(ids(ROOT / "bench" / "pages" / "wcxb")) and ids(dev).isdisjoint(corpus)
    assert all((dev / f"{i}.json").exists() for i in ids(dev))


def test_per_page_results_are_given_for_a_development_set(tmp_path, capsys):
    page = sorted((ROOT / "bench" / "pages" / "wcxb-dev").glob("*.html.gz"))[0]
    name = page.name.removesuffix(".html.gz")
    shutil.copy(page, tmp_path)
    shutil.copy(page.with_name(f"{name}.json"), tmp_path)
    assert extract_eval.main([str(tmp_path), "--only", "raqib", "--repeat", "1", "--per-page"]) == 0
    assert f"| {name} " in capsys.readouterr().out


def test_the_held_out_sets_are_the_ones_the_house_rules_name():
    held_out = {s.directory.relative_to(ROOT).as_posix() for s in extract_eval.SPLITS if s.held_out}
    assert held_out == {"tests/fixtures/eval_ar", "bench/pages/wcxb", "bench/pages/aeb"}


@pytest.mark.parametrize("folder", ["tests/fixtures/eval_ar", "bench/pages/wcxb", "bench/pages/aeb"])
def test_per_page_results_are_refused_for_a_held_out_set(folder, capsys):
    with pytest.raises(SystemExit) as refused:
        extract_eval.main([str(ROOT / folder), "--per-page", "--only", "raqib"])
    assert refused.value.code == 2 and "held out" in capsys.readouterr().err


def test_a_folder_is_scored_as_the_corpus_test_scores_it(tmp_path, capsys):
    name = "ar__akhbarelyom.com__htmldate-1731695567"  # a development page
    for suffix in (".html", ".json"):
        shutil.copy(ROOT / "tests" / "fixtures" / "corpus" / f"{name}{suffix}", tmp_path)
    assert extract_eval.main([str(tmp_path), "--only", "raqib", "--repeat", "1", "--per-page"]) == 0
    out = capsys.readouterr().out
    assert "| Arabic (1) | raqib     | 1.000 |" in out
    assert f"| {name[:45]} | raqib     | 1.000 |" in out
