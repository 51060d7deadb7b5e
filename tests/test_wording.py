"""Small words a reader notices: counts in the singular for one (``1 error``, ``+1 source``),
and edit kinds by one label table in the digest and in ``raqib history``."""

from __future__ import annotations

from click.testing import CliRunner

from monitor.alerts import run_monitor
from monitor.cli import main
from monitor.digest import pending_alerts, render_digest
from monitor.topics import Topic
from monitor.words import counted
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_BODY_EDITED, STORY_TITLE, new_db, save

TOPICS = [Topic(name="العراق وكندا", all=("العراق", "كندا"))]


def test_counts_are_singular_for_one():
    assert counted(1, "error") == "1 error" and counted(0, "error") == "0 errors"
    assert counted(2, "story", "stories") == "2 stories"


def test_history_and_the_digest_name_edit_kinds_alike(tmp_path):
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    run_monitor(db, TOPICS)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")
    run_monitor(db, TOPICS)
    digest = render_digest(pending_alerts(db), "text")
    db.close()
    history = CliRunner().invoke(main, ["history", IRAQ_CANADA, "--db", str(tmp_path / "raqib.db")],
                                 catch_exceptions=False).output
    assert "numbers changed" in digest and "numbers changed" in history
    assert "numbers_changed" not in history and "paragraph_added" not in history


def test_alerts_counts_one_other_source_in_the_singular(tmp_path):
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, "https://wire.test/1", STORY_TITLE, STORY_BODY, site="wire")
    run_monitor(db, TOPICS)
    db.close()
    output = CliRunner().invoke(main, ["alerts", "--db", str(tmp_path / "raqib.db")],
                                catch_exceptions=False).output
    assert "(+1 source)" in output and "(+1 sources)" not in output
