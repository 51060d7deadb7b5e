"""Decompression with a ceiling: a few hundred kilobytes of gzip can unpack to gigabytes (a
"gzip bomb"), so nothing raqib fetches is unpacked without a limit on what comes out."""

from __future__ import annotations

import zlib

# A sitemap may hold 50 MB uncompressed (sitemaps.org); nothing raqib reads needs more.
MAX_UNPACKED = 50 * 1024 * 1024
_CHUNK = 1024 * 1024


class TooLarge(ValueError):
    """The data unpacks to more than the limit; nothing past the limit was unpacked."""


def gunzip(data: bytes, max_size: int = MAX_UNPACKED) -> bytes:
    """``data`` (gzip, possibly several members) unpacked, at most ``max_size`` bytes of it;
    :class:`TooLarge` when there is more, ``zlib.error`` when it is not gzip."""
    out = bytearray()
    while data:
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        chunk = unpacker.decompress(data, _CHUNK)
        while True:
            out += chunk
            if len(out) > max_size:
                raise TooLarge(f"unpacks to more than {max_size // 1_048_576} MB")
            if not unpacker.unconsumed_tail:
                break
            chunk = unpacker.decompress(unpacker.unconsumed_tail, _CHUNK)
        if not unpacker.eof:
            raise zlib.error("the gzip data is cut short")
        data = unpacker.unused_data
    return bytes(out)
