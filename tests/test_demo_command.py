"""`raqib demo`, the README's first command: crawl, change, crawl again, print the digest."""

import subprocess
import sys
from pathlib import Path

from demo import content
from demo.content import SITE_NAME
from demo.outlet2 import COPY_OF_MOU, OUTLET_ID, OUTLET_NAME, SYNDICATED
from demo.site import DemoSite
from monitor.history import isolate

FURNITURE = ["شاركها", "reviewsTotal", "canReview", "{{", "الأكثر مشاهدة", "Scroll to Top",
             "أضف تعليقك", "جميع الحقوق محفوظة", "اقرأ أيضا"]


def test_the_demo_ends_with_a_digest_of_new_and_edited_tracked_stories(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    output = done.stdout
    digest = output.split("raqib digest", 1)[1]
    edition_2 = DemoSite(2)
    for topic, ids in content.EXPECTED_MATCHES[2].items():
        for article_id in ids:
            assert edition_2.article(article_id).headline in digest, article_id
    edited = edition_2.article(content.EDITED_TRACKED_ID).headline
    # New and edited between the two crawls: one item, new, under its latest headline.
    edited_items = [item for item in digest.split("\n\n") if "edited since first seen" in item]
    assert len(edited_items) == 1, edited_items
    (edited_item,) = edited_items
    assert edited_item.startswith("[new] ") and edited in edited_item.splitlines()[0]
    assert "[update] " not in digest
    untracked_new = [i for i in content.NEW_IN_EDITION_2
                     if not any(i in ids for ids in content.EXPECTED_MATCHES[2].values())]
    for article_id in untracked_new:
        assert edition_2.article(article_id).headline not in digest
    for snippet in FURNITURE:
        assert snippet not in digest, snippet
    db_path = tmp_path / "demo" / "raqib.db"
    assert f"database: {db_path}" in output and db_path.exists()

    # Two sites crawled twice; the story both run is one item listing both sources.
    assert output.count("crawled demo:") == 2 and output.count(f"crawled {OUTLET_ID}:") == 2
    mou = (edition_2.article(SYNDICATED[COPY_OF_MOU.id]).headline, COPY_OF_MOU.headline)
    items = [item for item in digest.split("\n\n")
             if any(title in item for title in mou)]
    assert len(items) == 1, items  # once, with both headlines: the item's and the other site's
    (item,) = items
    assert item.startswith("[new] ") and "sources (2):" in item
    assert "/news/2026/11/26/18008.html" in item and f"/story/{COPY_OF_MOU.id}/" in item
    # each source by the name its seed gives (issue 12), not its id
    assert f"      {isolate(SITE_NAME)} · http://127.0.0.1:" in item
    assert f"      {isolate(OUTLET_NAME)} · http://127.0.0.1:" in item
    assert all(title in item for title in mou)
    # The edited story shows its edit kinds (and its diff).
    assert "headline changed, numbers changed, paragraph added" in edited_item
    assert digest.count(f"/{content.EDITED_TRACKED_ID}.html") == 1


def test_the_demo_s_closing_hint_names_commands_the_user_can_run_as_printed(tmp_path, monkeypatch):
    # after the README's set-up the environment is not activated: `raqib` is not on PATH, so the
    # hint names .venv/bin/raqib; with the environment on PATH it is plain `raqib`
    import os
    import shutil
    import sys

    from demo.run import DemoPaths, closing_lines

    paths = DemoPaths(db=tmp_path / "raqib.db", seeds=tmp_path, topics=tmp_path / "t.toml")
    bin_dir = os.path.dirname(sys.executable)
    for path in ("/usr/bin:/bin", bin_dir + os.pathsep + "/usr/bin:/bin"):
        monkeypatch.setenv("PATH", path)
        (hint,) = [line for line in closing_lines(paths) if line.startswith("try: ")]
        commands = [part.split()[0] for part in hint.removeprefix("try: ").split("|")]
        assert [os.path.basename(c) for c in commands] == ["raqib", "sqlite-utils"]
        for command in commands:  # each runs as printed, from where the demo was started
            assert shutil.which(command) or os.access(command, os.X_OK), (path, hint)
