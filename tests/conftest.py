"""Shared fixtures."""

import pytest

from crawl_helpers import CrawlWorld


@pytest.fixture
def world(tmp_path) -> CrawlWorld:
    """An empty seeds directory and store in a temporary directory."""
    return CrawlWorld(tmp_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow modules first: the workers start on them and share out the rest, instead of one
    worker finishing a slow module while the other waits."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
