"""The bundled offline demo: a fictional Arabic news site («رقيب نيوز التجريبي») in two editions,
rendered by :mod:`demo.site` and served over real HTTP on 127.0.0.1 by
:mod:`demo.server`. ``raqib demo`` and the test suite crawl it.

Edition 1 is the site as first crawled; edition 2 adds stories, edits two of them, touches one
with diacritics only, and churns every widget on every page (see :mod:`demo.content`).
"""

from demo.content import EDITIONS, SITE_NAME
from demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml
from demo.site import DemoSite, Response

__all__ = [
    "DEMO_TOPICS_PATH",
    "EDITIONS",
    "SITE_NAME",
    "DemoServer",
    "DemoSite",
    "Response",
    "demo_seed_toml",
]
