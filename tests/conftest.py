"""Shared fixtures."""

import pytest

from crawl_helpers import CrawlWorld


@pytest.fixture
def world(tmp_path) -> CrawlWorld:
    """An empty seeds directory and store in a temporary directory."""
    return CrawlWorld(tmp_path)
