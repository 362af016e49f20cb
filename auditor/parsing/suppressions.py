"""`# auditor: ignore[CODE, slug] -- reason` comments, found in a file's text."""

from __future__ import annotations

import io
import re
import tokenize

from .facts import Suppression

_CANDIDATE = re.compile(r"#\s*auditor\s*:")
_DIRECTIVE = re.compile(r"#\s*auditor\s*:\s*(?P<kind>ignore|file-ignore)\b\s*(?:\[(?P<codes>[^\]]*)\])?\s*(?:--\s*(?P<reason>.*\S))?\s*$")


def find_suppressions(text: str) -> tuple[Suppression, ...]:
    if "auditor" not in text or not _CANDIDATE.search(text):
        return ()
    out: list[Suppression] = []
    for line, comment in _comments(text):
        if not _CANDIDATE.match(comment):
            continue
        match = _DIRECTIVE.match(comment)
        if match is None:
            out.append(Suppression(line, (), None, error="malformed auditor comment; expected `# auditor: ignore[CODE] -- reason`"))
            continue
        codes = tuple(c.strip() for c in (match["codes"] or "").split(",") if c.strip())
        file_level = match["kind"] == "file-ignore"
        error = None if codes else "an ignore must name the codes it suppresses, e.g. `# auditor: ignore[SEC001]`"
        out.append(Suppression(line, codes, match["reason"], file_level, error))
    return tuple(out)


def _comments(text: str):
    """(line, comment text) of real comments: a `#` inside a string is not one."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return
