"""The URL door (crawler/urls.py): what it refuses, and the one canonical form it gives."""

import pytest

from crawler.urls import UrlDoor

door = UrlDoor(["example.com"], tracking_parameters=["from"])


@pytest.mark.parametrize("found, canonical", [
    ("https://example.com/news/1?utm_source=rss&utm_medium=feed", "https://example.com/news/1"),
    ("https://example.com/news/1?traffic_source=rss", "https://example.com/news/1"),
    ("https://example.com/news/1?fbclid=abc&gclid=def&ref=home", "https://example.com/news/1"),
    ("https://example.com/news/1?from=home&id=7", "https://example.com/news/1?id=7"),
    ("https://example.com/news/1#comments", "https://example.com/news/1"),
    ("HTTPS://EXAMPLE.com:443/news/1", "https://example.com/news/1"),
    ("https://news.example.com/a?b=2&a=1", "https://news.example.com/a?a=1&b=2"),
    ("https://example.com/أخبار/خبر-عاجل",
     "https://example.com/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/%D8%AE%D8%A8%D8%B1-%D8%B9%D8%A7%D8%AC%D9%84"),
    ("https://example.com/%d8%a3%d8%ae%d8%a8%d8%a7%d8%b1", "https://example.com/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1"),
    ("https://example.com/s?yyyy=2026&mm=12&dd=03", "https://example.com/s?dd=03&mm=12&yyyy=2026"),
])
def test_one_article_one_url(found, canonical):
    assert door.admit(found).url == canonical


def test_a_relative_link_is_resolved_against_its_page():
    assert door.admit("../news/2?utm_campaign=x", base="https://example.com/section/a/").url == \
        "https://example.com/section/news/2"


@pytest.mark.parametrize("found, reason", [
    ("file://example.com/etc/passwd", "not an http(s) URL (scheme 'file')"),
    ("ftp://example.com:2121/news", "not an http(s) URL (scheme 'ftp')"),
    ("s3://example.com/bucket", "not an http(s) URL (scheme 's3')"),
    ("data:text/html,<h1>x</h1>", "not an http(s) URL (scheme 'data')"),
    ("javascript:alert(1)", "not an http(s) URL (scheme 'javascript')"),
    ("https://evil.org/news/1", "host 'evil.org' is outside allowed_domains ['example.com']"),
    ("https://example.com.evil.org/x", "outside allowed_domains"),
    ("https://notexample.com/x", "outside allowed_domains"),
    ("https://user:secret@example.com/x", "user-info"),
    ("https://example.com/" + "a" * 3000, "longer than 2083"),
    ("http://[::1/x", "unreadable URL"),
    ("", "empty URL"),
])
def test_what_the_door_refuses(found, reason):
    admission = door.admit(found)
    assert not admission.admitted and reason in admission.refused


def test_a_refused_url_never_carries_its_password():
    admission = door.admit("https://user:secret@example.com/x")
    assert "secret" not in admission.found and "secret" not in admission.refused
