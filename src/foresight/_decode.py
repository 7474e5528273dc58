"""Decode an export's bytes line by line: a clean decode, per-line failures, or a clear error.

A guess is never taken silently. UTF-8 (with or without BOM) and UTF-16 (with a BOM, or detected by
its NUL bytes) are recognised for sure; a legacy Chinese export is GB18030 or Big5, told apart by how
many of the decoded characters are common Chinese characters. In a file where most lines are one
encoding and a few another (a UTF-8 export with one GB18030 row appended), the few lines are
returned as failures for the caller to reject, so no row becomes mojibake.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from foresight.errors import DataError

__all__ = ["ENCODINGS", "Decoded", "decode_lines"]

#: Encodings a CSV export may be read in (``auto`` detects among them).
ENCODINGS: tuple[str, ...] = ("auto", "utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16")
_LEGACY = ("gb18030", "big5")
_NEWLINE = re.compile(rb"\r\n|\r|\n")
_PUNCT = set("，。、：；？！（）《》“”‘’—…·【】「」『』％＃＠＆＊－＋＝／")
#: Below this share of common characters a legacy decoding is not trusted.
_MIN_SCORE = 0.6


@dataclass
class Decoded:
    """Decoded physical lines of a file: ``None`` where a line does not decode in ``encoding``.

    ``hints`` maps the index of each failed line to the encoding that seems to decode it.
    """

    lines: list[str | None]
    encoding: str
    hints: dict[int, str] = field(default_factory=dict)


@functools.lru_cache(maxsize=65536)
def _common(ch: str) -> bool:
    """True for a common Chinese character (GB2312 level 1 or Big5 frequent) or CJK punctuation."""
    if ch in _PUNCT:
        return True
    try:
        gb = ch.encode("gb2312")
        if len(gb) == 2 and 0xB0 <= gb[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        b5 = ch.encode("big5")
        return len(b5) == 2 and 0xA440 <= int.from_bytes(b5, "big") <= 0xC67E
    except UnicodeEncodeError:
        return False


def _score(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are common Chinese characters."""
    wide = [c for c in text if ord(c) > 0x7F]
    return sum(map(_common, wide)) / len(wide) if wide else 1.0


def _lines(text: str) -> list[str]:
    """Physical lines, split at CRLF, CR or LF (as the csv module splits them), nothing else."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf16(raw: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be``/``utf-16`` when the bytes look like UTF-16, else None."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if len(raw) < 4 or raw.count(0) < len(raw) // 4:
        return None
    odd, even = raw[1::2].count(0), raw[0::2].count(0)
    if odd > 3 * even and odd > len(raw) // 4:
        return "utf-16-le"
    if even > 3 * odd and even > len(raw) // 4:
        return "utf-16-be"
    return None


def _legacy(chunks: list[bytes], where: str) -> str:
    """GB18030 or Big5 for lines that are not UTF-8: the decoding that reads as common Chinese."""
    data = b"\n".join(chunks)
    scores = {}
    for codec in _LEGACY:
        text = _try(data, codec)
        if text is not None:
            scores[codec] = _score(text)
    if not scores:  # neither decodes every line: take the one that decodes most of them
        ok = {c: sum(_try(b, c) is not None for b in chunks) for c in _LEGACY}
        return max(_LEGACY, key=lambda c: ok[c])
    best = max(scores, key=lambda c: (scores[c], c == "gb18030"))
    if scores[best] < _MIN_SCORE:
        raise DataError(
            f"{where}: cannot tell the file's encoding: it is not UTF-8, and neither GB18030 nor Big5 "
            "reads it as Chinese text. Re-export it as UTF-8, or set the encoding (mapping [read] "
            "encoding = \"gb18030\", \"big5\" or \"utf-16\", or --encoding).")
    return best


def _guess(chunk: bytes) -> str:
    if _try(chunk, "utf-8") is not None:
        return "utf-8"
    scores = {c: _score(t) for c in _LEGACY if (t := _try(chunk, c)) is not None}
    return max(scores, key=lambda c: scores[c]) if scores else "an encoding other than the file's"


def decode_lines(raw: bytes, *, encoding: str = "auto", where: str = "<bytes>") -> Decoded:
    """Split ``raw`` into physical lines and decode them.

    Parameters
    ----------
    raw
        The file's bytes (already decompressed).
    encoding
        ``"auto"`` or one of :data:`ENCODINGS`.
    where
        The file name, for messages.

    Returns
    -------
    Decoded
        One entry per physical line; lines that do not decode are ``None`` with a hint.

    Raises
    ------
    DataError
        The header line, or most of the non-ASCII lines, do not decode: the message names the first
        such row and the encoding to try.

    Examples
    --------
    >>> d = decode_lines("日期,區域\\n2024-01-01,一鎮\\n".encode("big5"))
    >>> d.encoding, d.lines[1]
    ('big5', '2024-01-01,一鎮')
    >>> mixed = "a,b\\n1,一镇\\n".encode() + "2,二镇\\n".encode("gb18030")
    >>> d = decode_lines(mixed)
    >>> d.encoding, d.lines[2], d.hints
    ('utf-8', None, {2: 'gb18030'})
    """
    enc = encoding.lower()
    if enc not in ENCODINGS:
        raise DataError(f"{where}: encoding {encoding!r} is not supported; use one of "
                        f"{', '.join(ENCODINGS)}.")
    wide = _utf16(raw) if enc in ("auto", "utf-16") else None
    if wide is not None or enc == "utf-16":
        text = _try(raw, wide or "utf-16")
        if text is None:
            raise DataError(f"{where}: the file looks like UTF-16 but does not decode as UTF-16; "
                            "re-export it as UTF-8.")
        return Decoded(_lines(text.lstrip("\ufeff")), "utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        enc = "utf-8" if enc == "auto" else enc
    if enc == "auto" and (whole := _try(raw, "utf-8")) is not None:
        return Decoded(_lines(whole), "utf-8")
    chunks = _NEWLINE.split(raw)
    foreign: set[int] = set()  # in a legacy file, lines that are UTF-8: a second encoding
    if enc == "auto":
        utf8 = {i for i, b in enumerate(chunks) if not b.isascii() and _try(b, "utf-8") is not None}
        n_wide = sum(not b.isascii() for b in chunks)
        if len(utf8) * 2 >= n_wide:
            enc = "utf-8"
        else:
            enc = _legacy([b for i, b in enumerate(chunks) if not b.isascii() and i not in utf8], where)
            foreign = utf8
    codec = "utf-8" if enc == "utf-8-sig" else enc
    whole = None if foreign else _try(raw, codec)
    if whole is not None:
        return Decoded(_lines(whole), enc)
    lines = [None if i in foreign else _try(b, codec) for i, b in enumerate(chunks)]
    failed = [i for i, t in enumerate(lines) if t is None]
    if not failed:
        return Decoded(lines, enc)  # type: ignore[arg-type]
    n_wide = sum(not b.isascii() for b in chunks)
    if failed[0] == 0 or len(failed) * 2 > n_wide:
        first = failed[0]
        raise DataError(
            f"{where}: cannot decode the file as {enc} (line {first + 1} and {len(failed) - 1} more "
            f"do not decode; line {first + 1} looks like {_guess(chunks[first])}). Set the encoding "
            "(mapping [read] encoding = \"gb18030\", \"big5\", \"utf-8\" or \"utf-16\", or --encoding), "
            "or re-export the file in one encoding.")
    return Decoded(lines, enc, {i: _guess(chunks[i]) for i in failed})
