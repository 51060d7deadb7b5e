"""Decompression with a ceiling: a few hundred kilobytes of gzip can unpack to gigabytes (a
"gzip bomb"), so nothing raqib fetches is unpacked without a limit on what comes out.

Scrapy's own bounded ``gunzip`` (the one its HttpCompression middleware and sitemap reader use)
does the work; this module gives it the error types raqib's callers outside a crawl expect."""

from __future__ import annotations

import struct
import zlib

from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip as _scrapy_gunzip

# A sitemap may hold 50 MB uncompressed (sitemaps.org); nothing raqib reads needs more.
MAX_UNPACKED = 50 * 1024 * 1024


class TooLarge(ValueError):
    """The data unpacks to more than the limit; nothing past the limit was unpacked."""


def gunzip(data: bytes, max_size: int = MAX_UNPACKED) -> bytes:
    """``data`` (gzip, possibly several members) unpacked, at most ``max_size`` bytes of it;
    :class:`TooLarge` when there is more, ``zlib.error`` when it is not gzip."""
    try:
        return _scrapy_gunzip(data, max_size=max_size)
    except _DecompressionMaxSizeExceeded as exc:
        raise TooLarge(f"unpacks to more than {max_size // 1_048_576} MB") from exc
    except (OSError, EOFError, struct.error) as exc:
        raise zlib.error(f"not gzip data: {exc}") from exc
