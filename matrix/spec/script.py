"""The `.wast` script language as commands, each with its line.

Covers what the WebAssembly 3.0 suite uses: modules (text, `binary`, `quote`, named, and
the `module definition` / `module instance` forms), `register`, the actions `invoke` and
`get`, and every assertion (`assert_return` with NaN patterns, `either`, v128 lanes and
reference results; `assert_trap`, `assert_exhaustion`, `assert_exception`,
`assert_invalid`, `assert_malformed`, `assert_unlinkable`, `assert_uninstantiable`).
Commands the harness cannot run (threads' `thread`/`wait`, meta commands) come out as
`Unsupported`, to be counted as skips with the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from ..literals import (
    FLOAT_FORMATS,
    SHAPES,
    WIDTHS,
    ValueSyntaxError,
    float_bits,
    int_bits,
    v128_bits,
)
from ..paths import cache_dir
from ..values import Either, Exact, Lanes, Nan, Pattern, RefPattern
from .sexpr import Quoted, SList, Source, WastSyntaxError, read

# Result forms that match a kind of reference (`(ref.func)` any non-null function, …).
REF_RESULTS = {
    "ref.func": "func",
    "ref.extern": "extern",
    "ref.host": "host",
    "ref.i31": "i31",
    "ref.struct": "struct",
    "ref.array": "array",
    "ref.eq": "eq",
    "ref.any": "any",
    "ref.exn": "exn",
}


@dataclass(frozen=True)
class Module:
    """A module as the script gives it: `text` (assemble `source`), `binary` or `quote`."""

    line: int
    form: str  # text | binary | quote
    source: str  # the text to assemble (text, quote) ...
    binary: bytes = b""  # ... or the bytes (binary)
    name: str | None = None
    definition: bool = False  # 3.0 `module definition`: compiled, not instantiated


@dataclass(frozen=True)
class Instance:
    """3.0 `(module instance $I $M)`: a new instance of a module definition."""

    line: int
    definition: str | None
    name: str | None = None


@dataclass(frozen=True)
class Action:
    line: int
    kind: str  # invoke | get
    field: str
    module: str | None = None
    args: tuple[dict, ...] = ()  # wire values (engines/protocol.md)


@dataclass(frozen=True)
class Register:
    line: int
    name: str
    module: str | None = None


@dataclass(frozen=True)
class Assertion:
    line: int
    command: str  # assert_return, assert_trap, …
    action: Action | None = None
    module: Module | None = None
    results: tuple[Pattern, ...] = ()  # what assert_return expects (matrix/values.py)
    text: str = ""  # the failure text the suite expects


@dataclass(frozen=True)
class Unsupported:
    line: int
    command: str
    reason: str


Command = Module | Instance | Action | Register | Assertion | Unsupported


@dataclass
class Script:
    path: Path
    commands: list = field(default_factory=list)


# Part of the parse cache's key: change it whenever what the reader produces changes.
READER_VERSION = b"wast reader 3"


def load_script(path: Path) -> Script:
    """A script's commands, from the parse cache when this exact text was read before
    (reading the 12 MB of the suite's top level takes seconds; loading the cache, little)."""
    data = Path(path).read_bytes()
    cached = _cache_file(data)
    if cached is not None and cached.exists():
        with contextlib.suppress(Exception):  # a damaged or foreign entry: read again
            return Script(Path(path), pickle.loads(cached.read_bytes()))
    text = data.decode("utf-8", errors="surrogateescape")
    try:
        commands = parse_script(text)
    except WastSyntaxError as error:
        raise WastSyntaxError(error.line, f"{path}: {error.args[0]}") from None
    if cached is not None:
        with contextlib.suppress(OSError):
            temporary = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
            temporary.write_bytes(pickle.dumps(commands, protocol=pickle.HIGHEST_PROTOCOL))
            temporary.replace(cached)
    return Script(Path(path), commands)


def _cache_file(data: bytes) -> Path | None:
    # The cache folder is the user's own, like the engine environments beside it.
    try:
        folder = cache_dir() / "spec-scripts"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / (hashlib.sha256(READER_VERSION + b"\n" + data).hexdigest() + ".pickle")


# Module fields written at the top level of a script make up one module of their own.
MODULE_FIELDS = frozenset(("type", "rec", "import", "func", "table", "memory", "global"))
MODULE_FIELDS |= {"tag", "export", "start", "elem", "data"}


def parse_script(text: str) -> list:
    source, forms = read(text)
    commands: list = []
    fields: list[SList] = []
    for form in forms:
        form = _without_annotations(form)
        if form.head in MODULE_FIELDS:
            fields.append(form)
            continue
        if fields:
            commands.append(_inline_module(source, fields))
            fields = []
        commands.append(_command(source, form))
    if fields:
        commands.append(_inline_module(source, fields))
    return commands


def _without_annotations(form: SList) -> SList:
    """The form without its `(@name …)` annotations (a text assembler reads them itself)."""
    items = [
        item
        for item in form.items
        if not (isinstance(item, SList) and item.head and item.head.startswith("@"))
    ]
    return form if len(items) == len(form.items) else SList(items, form.start, form.end)


def _inline_module(source: Source, fields: list[SList]) -> Module:
    text = "(module " + " ".join(source.slice(field) for field in fields) + ")"
    return Module(_line(source, fields[0]), "text", text)


def _line(source: Source, node: SList) -> int:
    return source.line(node.start)


def _fail(source: Source, node: SList, message: str) -> WastSyntaxError:
    return WastSyntaxError(_line(source, node), message)


def _command(source: Source, form: SList) -> Command:
    head, line = form.head, _line(source, form)
    try:
        if head == "module":
            return _module(source, form)
        if head == "register":
            name = form.items[1]
            if not isinstance(name, Quoted):
                raise _fail(source, form, "register needs a name string")
            module = form.items[2] if len(form.items) > 2 else None
            return Register(line, name.decode().decode("utf-8"), module)
        if head in ("invoke", "get"):
            return _action(source, form)
        if head in ("assert_return", "assert_trap", "assert_exhaustion", "assert_exception"):
            return _action_assertion(source, form)
        if head in (
            "assert_invalid",
            "assert_malformed",
            "assert_unlinkable",
            "assert_uninstantiable",
        ):
            module = _module(source, form.items[1])
            if isinstance(module, Instance):
                raise _fail(source, form, f"{head} of a module instance")
            return Assertion(line, head, module=module, text=_text(form.items[2:]))
    except (ValueSyntaxError, IndexError, ValueError) as error:
        if isinstance(error, WastSyntaxError):
            raise
        raise _fail(source, form, f"bad {head}: {error}") from None
    reason = {
        "thread": "threads in scripts (`thread`/`wait`) are not run by the harness",
        "wait": "threads in scripts (`thread`/`wait`) are not run by the harness",
        "assert_malformed_custom": "custom-section assertions are for the reference interpreter",
        "assert_invalid_custom": "custom-section assertions are for the reference interpreter",
    }.get(head or "", f"the harness does not run `{head}` commands")
    return Unsupported(line, head or "?", reason)


def _text(items: list) -> str:
    return next(
        (item.decode().decode("utf-8", "replace") for item in items if isinstance(item, Quoted)), ""
    )


def _module(source: Source, form: SList) -> Module | Instance:
    form = _without_annotations(form)
    if form.head != "module":
        raise _fail(source, form, f"expected a module, found ({form.head} …)")
    items = form.items[1:]
    line = _line(source, form)
    definition = False
    if items and items[0] == "definition":
        definition, items = True, items[1:]
    if items and items[0] == "instance":
        names = [item for item in items[1:] if isinstance(item, str) and item.startswith("$")]
        if len(names) == 1:
            return Instance(line, names[0], None)
        return Instance(line, names[1] if len(names) > 1 else None, names[0] if names else None)
    name = None
    first = items[0] if items else None
    if isinstance(first, str) and not isinstance(first, Quoted) and first.startswith("$"):
        name, items = first, items[1:]
    if items and items[0] == "binary":
        data = b"".join(item.decode() for item in items[1:] if isinstance(item, Quoted))
        return Module(line, "binary", "", data, name, definition)
    if items and items[0] == "quote":
        body = " ".join(
            item.decode().decode("utf-8", "surrogateescape")
            for item in items[1:]
            if isinstance(item, Quoted)
        )
        return Module(line, "quote", f"(module {body})", b"", name, definition)
    text = source.slice(form)
    if definition:  # an assembler reads a plain module; the name stays where it was
        text = "(module" + text[len("(module") :].replace("definition", "", 1)
    return Module(line, "text", text, b"", name, definition)


def _action(source: Source, form: SList) -> Action:
    items = form.items[1:]
    module = None
    if items and not isinstance(items[0], Quoted) and isinstance(items[0], str):
        module, items = items[0], items[1:]
    if not items or not isinstance(items[0], Quoted):
        raise _fail(source, form, f"{form.head} needs an export name string")
    field = items[0].decode().decode("utf-8", "surrogateescape")
    args = tuple(_argument(source, item) for item in items[1:])
    return Action(_line(source, form), form.head, field, module, args)


def _action_assertion(source: Source, form: SList) -> Assertion:
    head, line = form.head, _line(source, form)
    target = form.items[1]
    if not isinstance(target, SList):
        raise _fail(source, form, f"{head} needs an action")
    if target.head == "module":  # (assert_trap (module …) "…"): the start function traps
        module = _module(source, target)
        return Assertion(line, "assert_uninstantiable", module=module, text=_text(form.items[2:]))
    action = _action(source, target)
    if head == "assert_return":
        results = tuple(_result(source, item) for item in form.items[2:])
        return Assertion(line, head, action=action, results=results)
    return Assertion(line, head, action=action, text=_text(form.items[2:]))


def _argument(source: Source, node) -> dict:
    if not isinstance(node, SList) or not node.head:
        raise WastSyntaxError(source.line(getattr(node, "start", 0)), f"bad argument {node!r}")
    head, rest = node.head, node.items[1:]
    if head in ("i32.const", "i64.const"):
        return {"type": head[:3], "value": str(int_bits(rest[0], WIDTHS[head[:3]]))}
    if head in ("f32.const", "f64.const"):
        return {"type": head[:3], "value": str(float_bits(rest[0], head[:3]))}
    if head == "v128.const":
        return {"type": "v128", "value": str(v128_bits(rest[0], rest[1:]))}
    if head == "ref.null":
        return {"type": "ref.null", "heap": rest[0] if rest else "func"}
    if head in ("ref.extern", "ref.host"):  # a host reference as externref or as anyref
        return {"type": head, "value": str(int_bits(rest[0], 32))}
    raise _fail(source, node, f"unsupported argument ({head} …)")


def _result(source: Source, node) -> Pattern:
    """What assert_return expects in one position (matrix/values.py): exact bits, a NaN
    pattern, v128 lanes, a kind of reference (`(ref.null)` any null), or `either`."""
    if not isinstance(node, SList) or not node.head:
        raise WastSyntaxError(source.line(getattr(node, "start", 0)), f"bad result {node!r}")
    head, rest = node.head, node.items[1:]
    if head in ("i32.const", "i64.const"):
        return Exact(head[:3], int_bits(rest[0], WIDTHS[head[:3]]))
    if head in ("f32.const", "f64.const"):
        return _float_pattern(head[:3], rest[0])
    if head == "v128.const":
        count, lane_type = SHAPES[rest[0]]
        lanes = rest[1:]
        if len(lanes) != count:
            raise _fail(source, node, f"v128.const {rest[0]} needs {count} lanes")
        if lane_type in FLOAT_FORMATS:
            patterns = tuple(_float_pattern(lane_type, lane) for lane in lanes)
        else:
            patterns = tuple(Exact(lane_type, int_bits(lane, WIDTHS[lane_type])) for lane in lanes)
        return Lanes(rest[0], patterns)
    if head == "ref.null":
        return RefPattern("null")
    if head in REF_RESULTS:
        value = int_bits(rest[0], 32) if rest and head in ("ref.extern", "ref.host") else None
        return RefPattern(REF_RESULTS[head], value)
    if head == "either":
        return Either(tuple(_result(source, item) for item in rest))
    raise _fail(source, node, f"unsupported result ({head} …)")


def _float_pattern(kind: str, text: str) -> Exact | Nan:
    if text in ("nan:canonical", "nan:arithmetic"):
        return Nan(kind, text)
    return Exact(kind, float_bits(text, kind))
