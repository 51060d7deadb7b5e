"""The article extractor: pure functions from a saved page to an ``Article``. No Scrapy.

    >>> from crawler.extract import extract_article
    >>> article = extract_article(html_bytes, url, fetched=now, content_type=header)
    >>> article.title, article.body, article.published, article.author
    >>> for block in article.removed:   # what the cleaner took out, and by which rule
    ...     print(block.rule, block.text)
"""

from crawler.extract.article import extract_article
from crawler.extract.model import Article, RemovedBlock, Selectors

__all__ = ["Article", "RemovedBlock", "Selectors", "extract_article"]
