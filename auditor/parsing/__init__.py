"""Per-file parsing: a pure function of (path, module name, bytes, options).

The result is plain picklable data, so it can run in worker processes and be
cached by content hash.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .extractor import ModuleExtractor
from .facts import FileError, ModuleFacts
from .positions import compute_spans
from .source import UnreadableSource, decode_source
from .suppressions import find_suppressions

# The newest grammar libcst's native parser knows; older syntax parses too.
_PARSER_CONFIG = cst.PartialParserConfig(python_version="3.14")


@dataclass(frozen=True)
class ParseOptions:
    max_file_bytes: int = 2 * 1024 * 1024


def parse_file(path: str, module: str, is_package: bool, data: bytes, options: ParseOptions) -> ModuleFacts | FileError:
    try:
        text = decode_source(data, options.max_file_bytes)
    except UnreadableSource as exc:
        return FileError(path, str(exc))
    try:
        tree = cst.parse_module(text, _PARSER_CONFIG)
    except cst.ParserSyntaxError as exc:
        return FileError(path, f"syntax error: {exc.message}", exc.raw_line)
    except RecursionError:
        return FileError(path, "nested too deeply to parse")
    try:
        spans, block_starts = compute_spans(tree)
        extractor = ModuleExtractor(tree, module, spans, block_starts)
        package = module if is_package else module.rpartition(".")[0]
        extractor.run(package)
    except RecursionError:
        return FileError(path, "nested too deeply to analyse")
    top = extractor.top
    lines = text.splitlines()
    return ModuleFacts(
        path=path,
        module=module,
        is_package=is_package,
        lines=len(lines),
        imports=extractor.imports,
        star_imports=tuple(extractor.star_imports),
        assignments=tuple(top.assignments),
        functions=extractor.functions,
        classes=extractor.classes,
        calls=tuple(top.calls),
        keyed_reads=tuple(top.keyed_reads),
        keyed_writes=tuple(top.keyed_writes),
        statements=tuple(sorted(set(extractor.statements))),
        suppressions=find_suppressions(text),
        source_lines=tuple(lines),
    )


__all__ = ["FileError", "ModuleFacts", "ParseOptions", "parse_file"]
