"""Just enough of the wasm binary format for the wabt host.

spectest-interp prints float results with printf's %f, which loses NaN payloads and most
digits. So the host never reads floats from its output: it reads the exported functions'
signatures here and builds a small wrapper module that imports them and hands every f32/f64
across as its i32/i64 bit pattern (reinterpret, which is exact).
"""

from __future__ import annotations

from dataclasses import dataclass

from wasmbytes import NotRead, Reader
from wasmbytes import leb as _leb
from wasmbytes import name as _name
from wasmbytes import section as _section
from wasmbytes import vector as _vector

NUMBERS = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64"}
CODES = {name: code for code, name in NUMBERS.items()}
BITS = {"i32": "i32", "i64": "i64", "f32": "i32", "f64": "i64"}  # how a value travels
# Types a function signature may hold that the wrapper cannot carry, by their first byte.
OTHER_TYPES = {0x7B: "v128", 0x70: "funcref", 0x6F: "externref"}


@dataclass(frozen=True)
class Signature:
    params: tuple[str, ...]  # "i32", "i64", "f32", "f64", or another type's name
    results: tuple[str, ...]

    @property
    def numeric(self) -> bool:
        return all(kind in CODES for kind in self.params + self.results)


@dataclass
class ModuleInfo:
    imports: int  # how many imports of any kind
    exports: dict[str, tuple[int, Signature | None]]  # name -> (kind, signature of funcs)


class _Reader(Reader):
    """The shared reader, naming every value type that is not a number coarsely."""

    def value_type(self) -> str:
        code = self.byte()
        if code in NUMBERS:
            return NUMBERS[code]
        if code in (0x63, 0x64):  # (ref null ht) / (ref ht): a heap type follows
            self.leb(signed=True)
            return "reference"
        return OTHER_TYPES.get(code, "reference" if 0x69 <= code <= 0x74 else f"0x{code:02x}")


def _type_entries(reader: _Reader) -> list[Signature | None]:
    """One entry per type index: a function signature, or None (struct/array)."""
    types: list[Signature | None] = []
    for _ in range(reader.leb()):
        form = reader.byte()
        group = 1
        if form == 0x4E:  # rec group
            group = reader.leb()
            form = None
        for _ in range(group):
            if form is None:
                form = reader.byte()
            if form in (0x50, 0x4F):  # sub / sub final: supertypes, then the type
                for _ in range(reader.leb()):
                    reader.leb()
                form = reader.byte()
            types.append(_composite(reader, form))
            form = None
    return types


def _composite(reader: _Reader, form: int) -> Signature | None:
    if form == 0x60:
        params = tuple(reader.value_type() for _ in range(reader.leb()))
        results = tuple(reader.value_type() for _ in range(reader.leb()))
        return Signature(params, results)
    if form == 0x5F:  # struct: fields
        for _ in range(reader.leb()):
            _field(reader)
        return None
    if form == 0x5E:  # array: one field
        _field(reader)
        return None
    raise NotRead(f"unknown type form 0x{form:02x}")


def _field(reader: _Reader) -> None:
    if reader.data[reader.position] not in (0x78, 0x77):  # packed i8 / i16
        reader.value_type()
    else:
        reader.byte()
    reader.byte()  # mutability


def read_module(data: bytes) -> ModuleInfo:
    if data[:8] != b"\0asm\1\0\0\0":
        raise NotRead("not a wasm 1 module")
    reader = _Reader(data, 8)
    types: list[Signature | None] = []
    functions: list[int] = []
    imports = 0
    raw_exports: list[tuple[str, int, int]] = []
    while reader.position < reader.end:
        section = reader.byte()
        size = reader.leb()
        body = _Reader(data, reader.position, reader.position + size)
        reader.bytes(size)
        if section == 1:
            types = _type_entries(body)
        elif section == 2:
            imports = body.leb()
            functions = _imported_functions(body, imports)
        elif section == 3:
            functions += [body.leb() for _ in range(body.leb())]
        elif section == 7:
            for _ in range(body.leb()):
                name = body.bytes(body.leb()).decode("utf-8")
                raw_exports.append((name, body.byte(), body.leb()))
    exports: dict[str, tuple[int, Signature | None]] = {}
    for name, kind, index in raw_exports:
        signature = None
        if kind == 0:
            if index >= len(functions) or functions[index] >= len(types):
                raise NotRead(f"export {name!r} names an unknown function")
            signature = types[functions[index]]
        exports[name] = (kind, signature)
    return ModuleInfo(imports, exports)


def _imported_functions(reader: _Reader, count: int) -> list[int]:
    """The type index of each imported function (they come first in the index space)."""
    types = []
    for _ in range(count):
        reader.bytes(reader.leb())  # module name
        reader.bytes(reader.leb())  # field name
        kind = reader.byte()
        if kind == 0:
            types.append(reader.leb())
        elif kind == 1:
            reader.value_type()
            _limits(reader)
        elif kind == 2:
            _limits(reader)
        elif kind == 3:
            reader.value_type()
            reader.byte()
        elif kind == 4:
            reader.byte()
            reader.leb()
        else:
            raise NotRead(f"unknown import kind {kind}")
    return types


def _limits(reader: _Reader) -> None:
    flags = reader.byte()
    reader.leb()
    if flags & 1:
        reader.leb()
    if flags & 8:
        reader.leb()


def _functype(params: tuple[str, ...], results: tuple[str, ...]) -> bytes:
    return (
        b"\x60"
        + _vector([bytes([CODES[kind]]) for kind in params])
        + _vector([bytes([CODES[kind]]) for kind in results])
    )


# Reinterpret opcodes: into the float (arguments) and back to bits (results).
TO_FLOAT = {"f32": 0xBE, "f64": 0xBF}
TO_BITS = {"f32": 0xBC, "f64": 0xBD}


def wrapper(module_name: str, targets: list[tuple[str, Signature]]) -> bytes:
    """A module importing each target from `module_name`; its export `w<k>` calls target k
    with bit-pattern arguments and returns bit-pattern results."""
    types, imports, functions, exports, bodies = [], [], [], [], []
    count = len(targets)
    for k, (name, signature) in enumerate(targets):
        types.append(_functype(signature.params, signature.results))
        wire_params = tuple(BITS[kind] for kind in signature.params)
        types.append(_functype(wire_params, tuple(BITS[kind] for kind in signature.results)))
        imports.append(_name(module_name) + _name(name) + b"\x00" + _leb(2 * k))
        functions.append(_leb(2 * k + 1))
        exports.append(_name(f"w{k}") + b"\x00" + _leb(count + k))
        code = bytearray()
        for index, kind in enumerate(signature.params):
            code += b"\x20" + _leb(index)  # local.get
            if kind in TO_FLOAT:
                code.append(TO_FLOAT[kind])
        code += b"\x10" + _leb(k)  # call the import
        # Results into locals (last on top of the stack first), then back out as bits.
        first = len(signature.params)
        results = signature.results
        for index in reversed(range(len(results))):
            code += b"\x21" + _leb(first + index)  # local.set
        for index, kind in enumerate(results):
            code += b"\x20" + _leb(first + index)
            if kind in TO_BITS:
                code.append(TO_BITS[kind])
        code.append(0x0B)
        locals_ = _vector([b"\x01" + bytes([CODES[kind]]) for kind in results])
        body = locals_ + bytes(code)
        bodies.append(_leb(len(body)) + body)
    return (
        b"\0asm\1\0\0\0"
        + _section(1, types)
        + _section(2, imports)
        + _section(3, functions)
        + _section(7, exports)
        + _section(10, bodies)
    )
