"""Re-extraction: the current extractor over stored pages; a version only where text changes."""

from pathlib import Path

from click.testing import CliRunner

from crawler.extract import extract_article
from crawler.reextract import reextract
from crawler.store import StoredArticle, decompress_page, open_db, save_article
from monitor.cli import main

PAGE = Path(__file__).parent / "fixtures" / "furniture_page.html"
URL = "https://example.com/news/1"


def store_page(db, body_suffix: str = "") -> None:
    raw = PAGE.read_bytes()
    article = extract_article(raw, URL)
    save_article(db, StoredArticle(url=URL, site="example", title=article.title,
                                   body=article.body + body_suffix, raw_html=raw,
                                   content_type="text/html; charset=utf-8",
                                   fetched="2026-11-28T10:00:00+00:00"))


def test_the_page_is_kept_compressed_with_its_version(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    store_page(db)
    stored = db.execute("SELECT raw_html FROM versions").fetchone()[0]
    assert decompress_page(stored) == PAGE.read_bytes()
    assert len(stored) < len(PAGE.read_bytes())


def test_an_unchanged_extractor_records_no_version(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    store_page(db)
    counts = reextract(db)
    assert counts["same"] == 1 and counts["changed"] == 0
    assert db["versions"].count == 1
    # re-extraction is not a visit: last_seen does not move
    assert db["articles"].get(URL)["last_seen"] == "2026-11-28T10:00:00+00:00"


def test_cleaner_text_than_stored_records_a_new_version(tmp_path):
    """A version stored by an older, sloppier extractor (a share bar left in) is replaced by
    the current extractor's cleaner text as a new version; the old one stays."""
    db = open_db(tmp_path / "raqib.db")
    store_page(db, body_suffix="\n\nشاركها فيسبوك تويتر واتساب")
    counts = reextract(db, site="example")
    assert counts["changed"] == 1
    bodies = [row["body"] for row in db.query("SELECT body FROM versions ORDER BY version")]
    assert len(bodies) == 2 and "شاركها" in bodies[0] and "شاركها" not in bodies[1]


SEED = 'name = "مثال"\nallowed_domains = ["example.com"]\nstart_urls = ["https://example.com/"]\n'


def reextract_command(tmp_path, *args, seed: bool = True):
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    if seed:
        (seeds / "example.toml").write_text(SEED, encoding="utf-8")
    return CliRunner().invoke(main, ["reextract", *args, "--db", str(tmp_path / "raqib.db"),
                                     "--seeds", str(seeds)])


def test_reextract_command(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    store_page(db, body_suffix="\n\nشاركها فيسبوك تويتر واتساب")
    db.close()
    result = reextract_command(tmp_path)
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output


def test_reextract_refuses_a_site_the_store_does_not_hold(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    store_page(db)
    db.close()
    result = reextract_command(tmp_path, "nosuch")
    assert result.exit_code == 1
    assert "no stored article of site 'nosuch'; the store holds: example" in result.output


def test_reextract_refuses_a_site_without_its_seed_and_changes_nothing(tmp_path):
    # without the seed its [selectors] are lost: what they fixed would come back as edits
    db = open_db(tmp_path / "raqib.db")
    store_page(db, body_suffix="\n\nشاركها فيسبوك تويتر واتساب")
    db.close()
    result = reextract_command(tmp_path, seed=False)
    assert result.exit_code == 1
    assert "no seed for example in" in result.output and "--seeds DIR" in result.output
    db = open_db(tmp_path / "raqib.db")
    assert db["versions"].count == 1
