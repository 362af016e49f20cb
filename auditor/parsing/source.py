"""Turning a file's bytes into text the way Python itself would."""

from __future__ import annotations

import io
import tokenize


class UnreadableSource(Exception):
    """The bytes are not Python source we can read; the message says why."""


def decode_source(data: bytes, max_bytes: int) -> str:
    """Decode per PEP 263: UTF-8 unless a `coding:` line (or BOM) says otherwise."""
    if len(data) > max_bytes:
        raise UnreadableSource(f"file is larger than {max_bytes} bytes")
    if b"\x00" in data:
        raise UnreadableSource("binary file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "missing" not in str(exc.msg):  # a declaration naming an unknown codec, or a BOM clash
            raise UnreadableSource(f"bad encoding declaration: {exc.msg}") from None
        encoding = "utf-8"  # no declaration and the first lines are not UTF-8: report it below
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        declared = "" if encoding in ("utf-8", "utf-8-sig") else f" declared {encoding}"
        raise UnreadableSource(f"not valid {encoding}{declared} at byte {exc.start}" + (" (no PEP 263 encoding declaration)" if not declared else "")) from None
    except LookupError:
        raise UnreadableSource(f"unknown encoding {encoding!r}") from None
    return text.lstrip("\ufeff")
