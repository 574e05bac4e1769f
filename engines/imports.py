"""A module's imports with their full types, read from its binary (standard library only).

The load cell (protocol.md, "Load") instantiates a shipped module against generated
imports: every import is made from the module's own declaration. Engines' embedding APIs
differ in what they tell about imports (wasm3's says nothing), so the Python hosts read
the type and import sections here, alike for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from wasmbytes import NotRead, Reader
from wasmbytes import leb as _leb
from wasmbytes import name as _name
from wasmbytes import section as _section
from wasmbytes import sleb as _sleb

NUMBERS = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
HEAPS = {
    0x70: "funcref",
    0x6F: "externref",
    0x6E: "anyref",
    0x6D: "eqref",
    0x6C: "i31ref",
    0x6B: "structref",
    0x6A: "arrayref",
    0x69: "exnref",
    0x71: "nullref",
    0x72: "nullexternref",
    0x73: "nullfuncref",
    0x74: "nullexnref",
}
KINDS = {0: "function", 1: "table", 2: "memory", 3: "global", 4: "tag"}


@dataclass(frozen=True)
class Limits:
    minimum: int
    maximum: int | None
    shared: bool = False
    is64: bool = False


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    kind: str  # function | table | memory | global | tag
    params: tuple[str, ...] = ()  # function and tag
    results: tuple[str, ...] = ()  # function
    limits: Limits | None = None  # table and memory
    element: str = ""  # table: its reference type
    value: str = ""  # global: its value type
    mutable: bool = False  # global
    # The declaration's own bytes, for hosts that build a module providing it: a function's
    # or tag's function type (None when it sits in a rec group), a table's type, a memory's
    # limits, a global's value type.
    raw: bytes | None = None

    @property
    def label(self) -> str:
        return f"{self.module}.{self.name}"


class _Reader(Reader):
    """The shared reader, with the import section's value types and limits."""

    def value_type(self) -> str:
        code = self.byte()
        if code in NUMBERS:
            return NUMBERS[code]
        if code in HEAPS:
            return HEAPS[code]
        if code in (0x63, 0x64):  # (ref null? heaptype)
            heap = self.leb(signed=True)
            nullable = "null " if code == 0x63 else ""
            named = HEAPS.get(heap & 0x7F, "").removesuffix("ref") if heap < 0 else str(heap)
            return f"(ref {nullable}{named})"
        raise NotRead(f"unknown value type 0x{code:02x} at offset {self.position - 1}")

    def limits(self) -> Limits:
        flags = self.byte()
        minimum = self.leb()
        maximum = self.leb() if flags & 1 else None
        if flags & 8:
            self.leb()  # custom page size
        return Limits(minimum, maximum, bool(flags & 2), bool(flags & 4))


def _types(reader: _Reader) -> list[tuple[tuple[str, ...], tuple[str, ...], bytes | None] | None]:
    """Each type index's (params, results, its bytes), or None for a struct or array type."""
    types: list = []
    for _ in range(reader.leb()):
        count = 1
        grouped = reader.data[reader.position] == 0x4E  # a rec group
        if grouped:
            reader.byte()
            count = reader.leb()
        for _ in range(count):
            start = reader.position
            form = reader.byte()
            if form in (0x50, 0x4F):  # sub / sub final: the supertypes, then the type
                for _ in range(reader.leb()):
                    reader.leb()
                form = reader.byte()
            if form == 0x60:
                params = tuple(reader.value_type() for _ in range(reader.leb()))
                results = tuple(reader.value_type() for _ in range(reader.leb()))
                plain = not grouped and reader.data[start] == 0x60
                types.append(
                    (params, results, reader.data[start : reader.position] if plain else None)
                )
            elif form == 0x5F:
                for _ in range(reader.leb()):
                    _field(reader)
                types.append(None)
            elif form == 0x5E:
                _field(reader)
                types.append(None)
            else:
                raise NotRead(f"unknown type form 0x{form:02x} at offset {reader.position - 1}")
    return types


def _field(reader: _Reader) -> None:
    if reader.data[reader.position] in (0x78, 0x77):  # packed i8 / i16
        reader.byte()
    else:
        reader.value_type()
    reader.byte()  # mutability


def read_imports(data: bytes) -> list[Import]:
    """Every import of the module, in order, with its type."""
    if data[:8] != b"\0asm\1\0\0\0":
        raise NotRead("not a WebAssembly 1 module")
    reader = _Reader(data, 8, len(data))
    types: list = []
    while reader.position < reader.end:
        section = reader.byte()
        size = reader.leb()
        body = _Reader(data, reader.position, reader.position + size)
        reader.position += size
        if section == 1:
            types = _types(body)
        elif section == 2:
            return [_import(body, types) for _ in range(body.leb())]
        elif section > 2:
            break  # past where the import section would be: the module has none
    return []


def exported_functions(data: bytes) -> list[str]:
    """The names of the module's exported functions, in order."""
    if data[:8] != b"\0asm\1\0\0\0":
        raise NotRead("not a WebAssembly 1 module")
    reader = _Reader(data, 8, len(data))
    while reader.position < reader.end:
        section = reader.byte()
        size = reader.leb()
        body = _Reader(data, reader.position, reader.position + size)
        reader.position += size
        if section == 7:
            names = []
            for _ in range(body.leb()):
                name = body.name()
                kind = body.byte()
                body.leb()
                if kind == 0:
                    names.append(name)
            return names
    return []


def _import(reader: _Reader, types: list) -> Import:
    module, name = reader.name(), reader.name()
    kind = KINDS.get(reader.byte())
    if kind == "function" or kind == "tag":
        if kind == "tag":
            reader.byte()  # attribute: 0, an exception
        index = reader.leb()
        signature = types[index] if index < len(types) else None
        if signature is None:
            raise NotRead(f"import {module}.{name} names type {index}, not a function type")
        return Import(module, name, kind, signature[0], signature[1], raw=signature[2])
    start = reader.position
    if kind == "table":
        element = reader.value_type()
        limits = reader.limits()
        raw = reader.data[start : reader.position]
        return Import(module, name, kind, limits=limits, element=element, raw=raw)
    if kind == "memory":
        limits = reader.limits()
        return Import(module, name, kind, limits=limits, raw=reader.data[start : reader.position])
    if kind == "global":
        value = reader.value_type()
        raw = reader.data[start : reader.position]
        return Import(module, name, kind, value=value, mutable=reader.byte() == 1, raw=raw)
    raise NotRead(f"unknown import kind at offset {reader.position - 1}")


# --- a module that provides a namespace's imports (for hosts that can only link modules) ---


class CannotProvide(Exception):
    """No module can export an import of this type (e.g. a non-nullable reference global)."""


ZERO = {
    "i32": b"\x41\x00",
    "i64": b"\x42\x00",
    "f32": b"\x43" + bytes(4),
    "f64": b"\x44" + bytes(8),
    "v128": b"\xfd\x0c" + bytes(16),
}
EXPORT_KINDS = {"function": 0, "table": 1, "memory": 2, "global": 3, "tag": 4}


def provider_module(
    wanted: list[Import], report: tuple[str, str] = ("spectest", "print_i32"), first: int = 0
) -> bytes:
    """A module exporting a stub for each import in `wanted` (one namespace's): functions
    that call `report` (an imported `(func (param i32))`) with `first` + their position in
    `wanted`, then trap with `unreachable`; memories, tables, globals and tags of the same
    types."""
    types = [b"\x60\x01\x7f\x00"]  # report's type
    functions, tables, memories, tags, globals, exports, bodies = [], [], [], [], [], [], []
    counts = {"function": 1, "table": 0, "memory": 0, "global": 0, "tag": 0}
    exported: dict[str, Import] = {}
    for position, item in enumerate(wanted):
        twin = exported.get(item.name)
        if twin is not None:  # imported twice (Go's modules do): one export serves both
            if (twin.kind, twin.raw, twin.mutable) != (item.kind, item.raw, item.mutable):
                raise CannotProvide(f"{item.label}: imported twice with different types")
            continue
        exported[item.name] = item
        if item.raw is None:
            raise CannotProvide(f"{item.label}: a {item.kind} of a type in a rec group")
        if item.kind in ("function", "tag"):
            types.append(item.raw)
            type_index = _leb(len(types) - 1)
            if item.kind == "function":
                functions.append(type_index)
                body = b"\x00\x41" + _sleb(first + position) + b"\x10\x00\x00\x0b"
                bodies.append(_leb(len(body)) + body)
            else:
                tags.append(b"\x00" + type_index)
        elif item.kind == "table":
            if item.raw[0] == 0x64:  # a non-nullable element type needs an initializer
                raise CannotProvide(f"{item.label}: a table of non-nullable references")
            tables.append(item.raw)
        elif item.kind == "memory":
            memories.append(item.raw)
        elif item.kind == "global":
            globals.append(
                item.raw + (b"\x01" if item.mutable else b"\x00") + _zero(item) + b"\x0b"
            )
        index = counts[item.kind]
        counts[item.kind] += 1
        exports.append(_name(item.name) + bytes([EXPORT_KINDS[item.kind]]) + _leb(index))
    module_name, field = report
    imports = [_name(module_name) + _name(field) + b"\x00\x00"]
    return b"\0asm\1\0\0\0" + b"".join(
        _section(section, items)
        for section, items in (
            (1, types),
            (2, imports),
            (3, functions),
            (4, tables),
            (5, memories),
            (13, tags),
            (6, globals),
            (7, exports),
            (10, bodies),
        )
        if items
    )


def _zero(item: Import) -> bytes:
    if item.value in ZERO:
        return ZERO[item.value]
    raw = item.raw or b""
    if raw[:1] == b"\x63":  # (ref null ht): ref.null of that heap type
        return b"\xd0" + raw[1:]
    if raw and raw[0] in HEAPS:  # funcref, externref, …: nullable
        return b"\xd0" + raw[:1]
    raise CannotProvide(f"{item.label}: no zero value for a global of type {item.value}")
