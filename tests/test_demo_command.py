"""`raqib demo`, the README's first command: crawl, change, crawl again, print the digest."""

import subprocess
import sys
from pathlib import Path

from monitor.demo import content
from monitor.demo.site import DemoSite

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
    assert "[update] " in digest and edited in digest.split("[update] ", 1)[1]
    untracked_new = [i for i in content.NEW_IN_EDITION_2
                     if not any(i in ids for ids in content.EXPECTED_MATCHES[2].values())]
    for article_id in untracked_new:
        assert edition_2.article(article_id).headline not in digest
    for snippet in FURNITURE:
        assert snippet not in digest, snippet
    db_path = tmp_path / "demo" / "raqib.db"
    assert f"database: {db_path}" in output and db_path.exists()
