"""Turn the bytes of a page into text.

Arabic pages come in UTF-8, windows-1256 or ISO-8859-6, and the charset they declare (in the
Content-Type header or a ``<meta>``) is sometimes wrong. The declaration is a hint, not the
truth: a byte string that is valid UTF-8 with non-ASCII in it is UTF-8, and otherwise the
single-byte decoding that gives the most Arabic letters (and no undefined bytes) wins.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_SNIFF_BYTES = 8192

# The single-byte charsets Arabic pages use, in order of preference when they score the same.
_ARABIC_SINGLE_BYTE = ("windows-1256", "iso-8859-6")
_ARABIC_LETTERS = re.compile("[\u0621-\u064a]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def charset_from_content_type(content_type: str | None) -> str | None:
    """The charset named in a Content-Type header value, as a Python codec name."""
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
    return _codec_name(match.group(1)) if match else None


def charset_from_meta(data: bytes) -> str | None:
    """The charset a page declares in its first ``<meta>`` tags, as a Python codec name."""
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    return _codec_name(match.group(1).decode("ascii", "ignore")) if match else None


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode a page, trusting the bytes over what the page or the server claims."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    declared = [c for c in (charset_from_content_type(content_type), charset_from_meta(data)) if c]
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates: list[str] = []
    for codec in (*declared, *_ARABIC_SINGLE_BYTE, "utf-8"):
        if codec not in candidates and _is_text_codec(codec):
            candidates.append(codec)
    best_text, best_score = "", float("-inf")
    for codec in candidates:
        text, score = _decode_and_score(data, codec)
        if score > best_score:  # ties keep the earlier (declared, then preferred) codec
            best_text, best_score = text, score
    return best_text


def _decode_and_score(data: bytes, codec: str) -> tuple[str, float]:
    """Decode leniently and score how much the result looks like real (Arabic) text:
    the share of non-ASCII characters that are Arabic letters, minus undecodable bytes."""
    text = data.decode(codec, errors="replace")
    non_ascii = _NON_ASCII.findall(text)
    if not non_ascii:
        return text, 0.0
    replaced = text.count("\ufffd")
    arabic = len(_ARABIC_LETTERS.findall(text))
    return text, (arabic - 4 * replaced) / len(non_ascii)


def _codec_name(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def _is_text_codec(codec: str) -> bool:
    # utf-16/32 declarations in a meta tag are always wrong for bytes we could read that far in.
    return not codec.startswith(("utf-16", "utf-32"))
