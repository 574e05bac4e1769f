"""An s-expression reader for the WebAssembly text and script formats.

Gives lists (`SList`, with their offsets in the source so that a module form can be
handed to an assembler as written), atoms (`str`: keywords, `$ids`, numbers) and string
literals (`Quoted`, kept as written; `decode_string` gives their bytes). Comments, line
and nested block ones, are skipped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field


class WastSyntaxError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line


class Quoted(str):
    """A string literal's contents as written (escapes not yet decoded)."""

    def decode(self) -> bytes:
        return decode_string(self)


@dataclass
class SList:
    items: list = field(default_factory=list)
    start: int = 0  # offset of "(" in the source
    end: int = 0  # offset just after ")"

    @property
    def head(self) -> str | None:
        first = self.items[0] if self.items else None
        return first if isinstance(first, str) and not isinstance(first, Quoted) else None


_TOKEN = re.compile(
    r"""
      (?P<ws>[\s]+)
    | (?P<line>;;[^\n]*)
    | (?P<block>\(;)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<atom>[^\s()";]+|;)
    | (?P<bad>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Source:
    """A script's text, with offsets turned into line numbers on demand."""

    def __init__(self, text: str):
        self.text = text
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._newlines, offset - 1) + 1

    def slice(self, node: SList) -> str:
        return self.text[node.start : node.end]


def read(text: str) -> tuple[Source, list[SList]]:
    """The top-level forms of a script (every one a list)."""
    source = Source(text)
    stack: list[SList] = [SList()]
    pos, n = 0, len(text)
    match = _TOKEN.match
    while pos < n:
        token = match(text, pos)
        kind = token.lastgroup
        if kind == "open":
            stack.append(SList(start=pos))
        elif kind == "close":
            if len(stack) == 1:
                raise WastSyntaxError(source.line(pos), "unbalanced ')'")
            node = stack.pop()
            node.end = token.end()
            stack[-1].items.append(node)
        elif kind == "atom":
            stack[-1].items.append(token.group())
        elif kind == "string":
            stack[-1].items.append(Quoted(token.group()[1:-1]))
        elif kind == "block":
            pos = _skip_block_comment(text, pos, source)
            continue
        elif kind == "bad":
            what = "unterminated string" if token.group() == '"' else "unexpected character"
            raise WastSyntaxError(source.line(pos), what)
        pos = token.end()
    if len(stack) > 1:
        raise WastSyntaxError(source.line(stack[-1].start), "unclosed '('")
    top = stack[0].items
    for form in top:
        if not isinstance(form, SList):
            raise WastSyntaxError(1, f"expected a command, found {form!r}")
    return source, top


def _skip_block_comment(text: str, pos: int, source: Source) -> int:
    depth, i = 0, pos
    while True:
        opening, closing = text.find("(;", i), text.find(";)", i)
        if closing < 0:
            raise WastSyntaxError(source.line(pos), "unterminated block comment")
        if 0 <= opening < closing:
            depth, i = depth + 1, opening + 2
        else:
            depth, i = depth - 1, closing + 2
            if depth == 0:
                return i


_ESCAPES = {"t": b"\t", "n": b"\n", "r": b"\r", '"': b'"', "'": b"'", "\\": b"\\"}


def decode_string(body: str) -> bytes:
    """The bytes of a text-format string literal's contents (escapes as in the spec)."""
    if "\\" not in body:
        return body.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        following = body[i + 1 : i + 2]
        if following in _ESCAPES:
            out += _ESCAPES[following]
            i += 2
        elif following == "u":
            end = body.index("}", i)
            out += chr(int(body[i + 3 : end].replace("_", ""), 16)).encode("utf-8")
            i = end + 1
        else:
            out.append(int(body[i + 1 : i + 3], 16))
            i += 3
    return bytes(out)
