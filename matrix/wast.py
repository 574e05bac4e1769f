"""Every module form of a `.wast` script, with its line: for tools that want the modules
and not the commands (the scanner's test over the whole suite).

A thin layer over the spec reader (matrix/spec/sexpr.py, the one s-expression reader of
the project): finds each `(module …)` form at any depth, outermost only, and gives its
bytes for `binary` modules; the full script language is matrix/spec/script.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .spec.sexpr import Quoted, SList, WastSyntaxError, decode_string, read

__all__ = ["ModuleForm", "WastSyntaxError", "decode_string", "module_forms"]


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
        _, forms = read(self.text)
        items = forms[0].items
        start = items.index("binary") + 1
        return b"".join(item.decode() for item in items[start:] if isinstance(item, Quoted))

    def as_text_module(self) -> str:
        """The form as a plain text module (3.0's `module definition` is a module too)."""
        return re.sub(r"^\(module\s+definition\b", "(module", self.text)


# `(module`, an optional `definition`, an optional $name, then maybe binary/quote/instance.
_HEAD = re.compile(r"\(module(?:\s+definition)?(?:\s+\$\S+)?\s+(\w+)?(?:\s+(\w+))?")


def module_forms(text: str) -> Iterator[ModuleForm]:
    """Every `(module …)` form in a script, outermost only, in order."""
    source, forms = read(text)

    def walk(node: SList, depth: int) -> Iterator[ModuleForm]:
        if node.head == "module":
            yield ModuleForm(source.line(node.start), source.slice(node), nested=depth > 0)
            return
        for item in node.items:
            if isinstance(item, SList):
                yield from walk(item, depth + 1)

    for form in forms:
        yield from walk(form, 0)
