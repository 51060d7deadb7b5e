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
    missing = [s.name for s in extract_eval.SPLITS if not s.optional and not s.directory.is_dir()]
    assert missing == []


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
