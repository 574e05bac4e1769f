"""Just enough of the `.wast` script format to find its modules.

A spec test script is a sequence of s-expressions: modules, `register`, `invoke` and the
`assert_*` commands, some of which hold modules of their own (`assert_invalid (module …)`).
This finds every `(module …)` form at any depth, with its line, and gives its bytes: a
`binary` module's string literals decoded, a text module assembled. (The full reader,
commands and assertions, comes with the spec-suite runner.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


class WastSyntaxError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class ModuleForm:
    line: int
    text: str  # the whole `(module …)` form
    nested: bool = False  # inside a command such as assert_invalid: may be bad on purpose

    @property
    def kind(self) -> str:
        """`binary`, `quote`, `instance` (not a module) or `text`."""
        words = _HEAD.match(self.text)
        for word in (words.group(1), words.group(2)) if words else ():
            if word in ("binary", "quote", "instance"):
                return word
        return "text"

    def binary(self) -> bytes:
        """The bytes of a `(module binary "…" …)` form."""
        start = self.text.index("binary") + len("binary")
        return b"".join(decode_string(body) for body in _string_literals(self.text, start))

    def as_text_module(self) -> str:
        """The form as a plain text module (3.0's `module definition` is a module too)."""
        return re.sub(r"^\(module\s+definition\b", "(module", self.text)


# `(module`, an optional `definition`, an optional $name, then maybe binary/quote/instance.
_HEAD = re.compile(r"\(module(?:\s+definition)?(?:\s+\$\S+)?\s+(\w+)?(?:\s+(\w+))?")


def module_forms(text: str) -> Iterator[ModuleForm]:
    """Every `(module …)` form in a script, outermost only, in order."""
    stack: list[tuple[int, bool]] = []  # (offset, is a module) of each open parenthesis
    line, i, n = 1, 0, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
        elif char == '"':
            i, line = _skip_string(text, i, line)
            continue
        elif text.startswith(";;", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        elif text.startswith("(;", i):
            i, line = _skip_block_comment(text, i, line)
            continue
        elif char == "(":
            is_module = re.match(r"\(module[\s)]", text[i : i + 8]) is not None
            stack.append((i, is_module, line))
        elif char == ")":
            if not stack:
                raise WastSyntaxError(line, "unbalanced ')'")
            start, is_module, start_line = stack.pop()
            if is_module and not any(outer for _, outer, _ in stack):
                yield ModuleForm(start_line, text[start : i + 1], nested=bool(stack))
        i += 1
    if stack:
        raise WastSyntaxError(stack[-1][2], "unclosed '('")


def _string_literals(text: str, i: int) -> Iterator[str]:
    """The contents of each string literal from offset i on, comments skipped."""
    line = 1
    while i < len(text):
        if text[i] == '"':
            end, line = _skip_string(text, i, line)
            yield text[i + 1 : end - 1]
            i = end
        elif text.startswith(";;", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
        elif text.startswith("(;", i):
            i, line = _skip_block_comment(text, i, line)
        else:
            i += 1


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "\n":
            line += 1
        if text[i] == '"':
            return i + 1, line
        i += 1
    raise WastSyntaxError(line, "unterminated string")


def _skip_block_comment(text: str, i: int, line: int) -> tuple[int, int]:
    depth = 0
    while i < len(text):
        if text.startswith("(;", i):
            depth += 1
            i += 2
        elif text.startswith(";)", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i, line
        else:
            line += text[i] == "\n"
            i += 1
    raise WastSyntaxError(line, "unterminated block comment")


_ESCAPES = {"t": b"\t", "n": b"\n", "r": b"\r", '"': b'"', "'": b"'", "\\": b"\\"}


def decode_string(body: str) -> bytes:
    """The bytes of a text-format string literal's contents (escapes as in the spec)."""
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
