"""The module scanner: which features a WebAssembly binary actually uses, with evidence.

`scan(module)` decodes a core WebAssembly binary (every section, every function body and
every constant expression, instruction by instruction with its immediates) and reports the
features of the project's vocabulary (`matrix.profiles.FEATURES`) that the bytes use: for
each one, how often it was seen and the byte offset and a short description of its first
occurrence. It is a decoder, not a validator: it reads exactly what the binary format
says, checks every read against the end of its section, and raises `ScanError` (a
`ValueError` carrying the byte offset) on anything malformed or unknown, never guessing.

Offsets are absolute positions in the module. An instruction's finding points at its
opcode byte (the prefix byte 0xFB-0xFE for prefixed instructions), a type's at the byte
that starts it, a section's at its id byte, and a segment's, import's or export's at its
first byte.

Stdlib only; see docs/scanner.md.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .profiles import FEATURES

FEATURE_ORDER: tuple[str, ...] = tuple(feature.name for feature in FEATURES)

MAGIC = b"\0asm"
VERSION = b"\x01\x00\x00\x00"
COMPONENT_VERSION = b"\x0d\x00\x01\x00"  # a component-model binary, not a core module


class ScanError(ValueError):
    """The module is malformed (or uses an encoding this scanner does not know) at `offset`."""

    def __init__(self, offset: int, message: str):
        self.offset, self.message = offset, message
        super().__init__(f"offset {offset} (0x{offset:x}): {message}")


# ---------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class Finding:
    """One feature the module uses: how often, and where first."""

    feature: str
    count: int
    first_offset: int
    evidence: str


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    kind: str  # func | table | memory | global | tag


@dataclass(frozen=True)
class Export:
    name: str
    kind: str  # func | table | memory | global | tag
    index: int


@dataclass(frozen=True)
class Section:
    id: int
    name: str  # "type", "code", ... or the custom section's own name
    offset: int  # of the section id byte
    end: int  # one past the section's last byte


@dataclass(frozen=True)
class ScanReport:
    features: dict[str, Finding]  # in vocabulary order; always holds "mvp"
    needs: tuple[str, ...]  # the features used beyond mvp, in vocabulary order
    target_features: dict[str, str]  # the `target_features` custom section: name -> + - =
    imports: tuple[Import, ...]
    exports: tuple[Export, ...]
    sections: tuple[Section, ...]
    # With scan(module, near=N): the uses of a feature that start at most NEAR_WINDOW bytes
    # before offset N, closest first (count 1 each): what an engine's "at offset N" points at.
    located: tuple[Finding, ...] = ()

    def uses(self, feature: str) -> bool:
        return feature in self.features


# How far before an engine's offset a use may start and still be what it points at: engines
# name an instruction's opcode, an immediate, or a type's or limits' first byte.
NEAR_WINDOW = 16


def scan(module: bytes, near: int | None = None) -> ScanReport:
    """Decode `module` and report the features it uses; `ScanError` if it is malformed.
    `near`: an offset an engine named; the report's `located` says what is there."""
    return _Scanner(bytes(module), near).run()


# ---------------------------------------------------------------------------------------------
# Reading bytes


class Reader:
    """A cursor over `data[pos:end]`; positions are absolute, every read is bounds-checked."""

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def remaining(self) -> int:
        return self.end - self.pos

    def at_end(self) -> bool:
        return self.pos >= self.end

    def _need(self, n: int, what: str) -> None:
        if n > self.end - self.pos:
            raise ScanError(self.pos, f"unexpected end: {what} needs {n} bytes")

    def u8(self, what: str = "byte") -> int:
        self._need(1, what)
        byte = self.data[self.pos]
        self.pos += 1
        return byte

    def peek(self, what: str = "byte") -> int:
        self._need(1, what)
        return self.data[self.pos]

    def bytes(self, n: int, what: str = "bytes") -> bytes:
        self._need(n, what)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def leb(self, bits: int, signed: bool, what: str) -> tuple[int, int]:
        """A LEB128 integer of at most `bits` bits: (value, encoded length in bytes)."""
        start = self.pos
        limit = (bits + 6) // 7
        result = shift = 0
        while True:
            if self.pos >= self.end:
                raise ScanError(start, f"unexpected end inside the LEB128 {what}")
            byte = self.data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if self.pos - start >= limit:
                raise ScanError(start, f"LEB128 {what} longer than {limit} bytes")
        if signed:
            if byte & 0x40:
                result -= 1 << shift
            if not -(1 << (bits - 1)) <= result < 1 << (bits - 1):
                raise ScanError(start, f"LEB128 {what} out of range for s{bits}")
        elif result >> bits:
            raise ScanError(start, f"LEB128 {what} out of range for u{bits}")
        return result, self.pos - start

    def u32(self, what: str = "u32") -> int:
        return self.leb(32, False, what)[0]

    def u64(self, what: str = "u64") -> int:
        return self.leb(64, False, what)[0]

    def s32(self, what: str = "s32") -> int:
        return self.leb(32, True, what)[0]

    def s33(self, what: str = "s33") -> int:
        return self.leb(33, True, what)[0]

    def s64(self, what: str = "s64") -> int:
        return self.leb(64, True, what)[0]

    def count(self, what: str) -> int:
        """A vector length; every element takes at least one byte, so it is bounded."""
        start = self.pos
        n = self.u32(f"{what} count")
        if n > self.remaining():
            raise ScanError(start, f"{n} {what} cannot fit in the {self.remaining()} bytes left")
        return n

    def name(self, what: str = "name") -> str:
        start = self.pos
        raw = self.bytes(self.count(f"{what} length"), what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ScanError(start, f"{what} is not valid UTF-8") from None

    def sub(self, size: int, what: str) -> Reader:
        """A reader over the next `size` bytes, which this reader skips."""
        self._need(size, what)
        inner = Reader(self.data, self.pos, self.pos + size)
        self.pos += size
        return inner

    def expect_end(self, what: str) -> None:
        if self.pos != self.end:
            raise ScanError(
                self.pos, f"{self.end - self.pos} unexpected bytes at the end of {what}"
            )


def _is_overlong(value: int, length: int) -> bool:
    return length > max(1, (value.bit_length() + 6) // 7)


# ---------------------------------------------------------------------------------------------
# Types

_NUMERIC = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64"}
_PACKED = {0x78: "i8", 0x77: "i16"}  # struct/array field storage types (gc)
_HEAP = {
    0x70: "func",
    0x6F: "extern",
    0x6E: "any",
    0x6D: "eq",
    0x6C: "i31",
    0x6B: "struct",
    0x6A: "array",
    0x71: "none",
    0x72: "noextern",
    0x73: "nofunc",
    0x69: "exn",
    0x74: "noexn",
}
_REF_NULL, _REF = 0x63, 0x64
_V128 = 0x7B
_VALTYPE_START = {*_NUMERIC, _V128, *_HEAP, _REF_NULL, _REF}


def _heap_feature(heap: str) -> str:
    if heap in ("func", "extern"):
        return "reference-types"
    if heap in ("exn", "noexn"):
        return "exceptions"
    return "gc"  # any, eq, i31, struct, array, none, noextern, nofunc, a type index


# Features found in custom sections: an engine may ignore them, so a module never needs them.
ADVISORY = frozenset({"extended-name-section", "branch-hinting"})

_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
_SECTIONS = {
    0: "custom",
    1: "type",
    2: "import",
    3: "function",
    4: "table",
    5: "memory",
    6: "global",
    7: "export",
    8: "start",
    9: "element",
    10: "code",
    11: "data",
    12: "datacount",
    13: "tag",
}
# The order non-custom sections must come in: the tag section sits between memory and global,
# the data count section between element and code.
_SECTION_ORDER = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)
_SECTION_RANK = {section_id: rank for rank, section_id in enumerate(_SECTION_ORDER, 1)}

# ---------------------------------------------------------------------------------------------
# Instructions: opcode -> (name, immediates, features it needs by itself)
#
# Immediate kinds:
#   bt blocktype      lbl label          brt br_table          fn function   ty type
#   tbl table         cit call_indirect's table (overlong matters)            loc local
#   glb global        mem memory index   ma memarg             i32 i64 f32 f64 constants
#   vts select types  ht heap type       tag tag               cat try_table catch clauses
#   ln lane byte      v16 16 bytes       fld field             dat data      elm element
#   n a u32 count     z a zero byte      cast br_on_cast flags+label+2 heap types

_Spec = tuple[str, tuple[str, ...], tuple[str, ...]]


def _ops(first: int, names: str, imms: tuple[str, ...] = (), features: tuple[str, ...] = ()):
    return {first + i: (name, imms, features) for i, name in enumerate(names.split())}


_EXN = ("exceptions",)
_LEGACY = ("exceptions-legacy",)
_FREF = ("function-references",)
_REFT = ("reference-types",)
_GC = ("gc",)
_BULK = ("bulk-memory",)

_OPCODES: dict[int, _Spec] = {
    0x00: ("unreachable", (), ()),
    0x01: ("nop", (), ()),
    0x02: ("block", ("bt",), ()),
    0x03: ("loop", ("bt",), ()),
    0x04: ("if", ("bt",), ()),
    0x05: ("else", (), ()),
    0x06: ("try", ("bt",), _LEGACY),
    0x07: ("catch", ("tag",), _LEGACY),
    0x08: ("throw", ("tag",), _EXN),
    0x09: ("rethrow", ("lbl",), _LEGACY),
    0x0A: ("throw_ref", (), _EXN),
    0x0B: ("end", (), ()),
    0x0C: ("br", ("lbl",), ()),
    0x0D: ("br_if", ("lbl",), ()),
    0x0E: ("br_table", ("brt",), ()),
    0x0F: ("return", (), ()),
    0x10: ("call", ("fn",), ()),
    0x11: ("call_indirect", ("ty", "cit"), ()),
    0x12: ("return_call", ("fn",), ("tail-call",)),
    0x13: ("return_call_indirect", ("ty", "tbl"), ("tail-call",)),
    0x14: ("call_ref", ("ty",), _FREF),
    0x15: ("return_call_ref", ("ty",), ("tail-call", "function-references")),
    0x18: ("delegate", ("lbl",), _LEGACY),
    0x19: ("catch_all", (), _LEGACY),
    0x1A: ("drop", (), ()),
    0x1B: ("select", (), ()),
    0x1C: ("select", ("vts",), _REFT),
    0x1F: ("try_table", ("bt", "cat"), _EXN),
    **_ops(0x20, "local.get local.set local.tee", ("loc",)),
    **_ops(0x23, "global.get global.set", ("glb",)),
    **_ops(0x25, "table.get table.set", ("tbl",), _REFT),
    **_ops(
        0x28,
        "i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u "
        "i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u "
        "i32.store i64.store f32.store f64.store i32.store8 i32.store16 "
        "i64.store8 i64.store16 i64.store32",
        ("ma",),
    ),
    0x3F: ("memory.size", ("mem",), ()),
    0x40: ("memory.grow", ("mem",), ()),
    0x41: ("i32.const", ("i32",), ()),
    0x42: ("i64.const", ("i64",), ()),
    0x43: ("f32.const", ("f32",), ()),
    0x44: ("f64.const", ("f64",), ()),
    **_ops(
        0x45,
        "i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s "
        "i32.ge_u i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u "
        "i64.ge_s i64.ge_u f32.eq f32.ne f32.lt f32.gt f32.le f32.ge "
        "f64.eq f64.ne f64.lt f64.gt f64.le f64.ge "
        "i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s "
        "i32.rem_u i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr "
        "i64.clz i64.ctz i64.popcnt i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s "
        "i64.rem_u i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u i64.rotl i64.rotr "
        "f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt f32.add f32.sub "
        "f32.mul f32.div f32.min f32.max f32.copysign "
        "f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest f64.sqrt f64.add f64.sub "
        "f64.mul f64.div f64.min f64.max f64.copysign "
        "i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u "
        "i64.extend_i32_s i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s "
        "i64.trunc_f64_u f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s "
        "f32.convert_i64_u f32.demote_f64 f64.convert_i32_s f64.convert_i32_u "
        "f64.convert_i64_s f64.convert_i64_u f64.promote_f32 i32.reinterpret_f32 "
        "i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64",
    ),
    **_ops(
        0xC0,
        "i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s",
        (),
        ("sign-ext",),
    ),
    0xD0: ("ref.null", ("ht",), _REFT),
    0xD1: ("ref.is_null", (), _REFT),
    0xD2: ("ref.func", ("fn",), _REFT),
    0xD3: ("ref.eq", (), _GC),
    0xD4: ("ref.as_non_null", (), _FREF),
    0xD5: ("br_on_null", ("lbl",), _FREF),
    0xD6: ("br_on_non_null", ("lbl",), _FREF),
    # stack switching: cont.new cont.bind suspend resume resume_throw switch
    0xE0: ("cont.new", ("ty",), ("stack-switching",)),
    0xE1: ("cont.bind", ("ty", "ty"), ("stack-switching",)),
    0xE2: ("suspend", ("tag",), ("stack-switching",)),
    0xE3: ("resume", ("ty", "hdl"), ("stack-switching",)),
    0xE4: ("resume_throw", ("ty", "tag", "hdl"), ("stack-switching",)),
    0xE5: ("switch", ("ty", "tag"), ("stack-switching",)),
}

# 0xFC: saturating truncation, bulk memory, tables. table.init / elem.drop / table.copy are
# bulk-memory; a non-zero table index on them adds reference-types.
_MISC: dict[int, _Spec] = {
    **_ops(
        0,
        "i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u "
        "i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u",
        (),
        ("nontrapping-fptoint",),
    ),
    8: ("memory.init", ("dat", "mem"), _BULK),
    9: ("data.drop", ("dat",), _BULK),
    10: ("memory.copy", ("mem", "mem"), _BULK),
    11: ("memory.fill", ("mem",), _BULK),
    12: ("table.init", ("elm", "tbl"), _BULK),
    13: ("elem.drop", ("elm",), _BULK),
    14: ("table.copy", ("tbl", "tbl"), _BULK),
    15: ("table.grow", ("tbl",), _REFT),
    16: ("table.size", ("tbl",), _REFT),
    17: ("table.fill", ("tbl",), _REFT),
    **_ops(0x13, "i64.add128 i64.sub128 i64.mul_wide_s i64.mul_wide_u", (), ("wide-arithmetic",)),
    0x30: ("f32.load_f16", ("ma",), ("half-precision",)),
    0x31: ("f32.store_f16", ("ma",), ("half-precision",)),
}

_GC_OPS: dict[int, _Spec] = {
    0: ("struct.new", ("ty",), _GC),
    1: ("struct.new_default", ("ty",), _GC),
    **_ops(2, "struct.get struct.get_s struct.get_u struct.set", ("ty", "fld"), _GC),
    6: ("array.new", ("ty",), _GC),
    7: ("array.new_default", ("ty",), _GC),
    8: ("array.new_fixed", ("ty", "n"), _GC),
    9: ("array.new_data", ("ty", "dat"), _GC),
    10: ("array.new_elem", ("ty", "elm"), _GC),
    **_ops(11, "array.get array.get_s array.get_u array.set", ("ty",), _GC),
    15: ("array.len", (), _GC),
    16: ("array.fill", ("ty",), _GC),
    17: ("array.copy", ("ty", "ty"), _GC),
    18: ("array.init_data", ("ty", "dat"), _GC),
    19: ("array.init_elem", ("ty", "elm"), _GC),
    **_ops(20, "ref.test ref.test_null ref.cast ref.cast_null", ("ht",), _GC),
    24: ("br_on_cast", ("cast",), _GC),
    25: ("br_on_cast_fail", ("cast",), _GC),
    **_ops(26, "any.convert_extern extern.convert_any ref.i31 i31.get_s i31.get_u", (), _GC),
}

_RMW_WIDTHS = (("i32", ""), ("i64", ""), ("i32", "8"), ("i32", "16"), ("i64", "8"))
_RMW_WIDTHS += (("i64", "16"), ("i64", "32"))
_THREAD_OPS: dict[int, _Spec] = {
    0x00: ("memory.atomic.notify", ("ma",), ("threads",)),
    0x01: ("memory.atomic.wait32", ("ma",), ("threads",)),
    0x02: ("memory.atomic.wait64", ("ma",), ("threads",)),
    0x03: ("atomic.fence", ("ord",), ("threads",)),
    **_ops(
        0x10,
        "i32.atomic.load i64.atomic.load i32.atomic.load8_u i32.atomic.load16_u "
        "i64.atomic.load8_u i64.atomic.load16_u i64.atomic.load32_u i32.atomic.store "
        "i64.atomic.store i32.atomic.store8 i32.atomic.store16 i64.atomic.store8 "
        "i64.atomic.store16 i64.atomic.store32",
        ("ma",),
        ("threads",),
    ),
    **{
        0x1E + 7 * i + j: (
            f"{width}.atomic.rmw{suffix}.{op}{'_u' if suffix else ''}",
            ("ma",),
            ("threads",),
        )
        for i, op in enumerate(("add", "sub", "and", "or", "xor", "xchg", "cmpxchg"))
        for j, (width, suffix) in enumerate(_RMW_WIDTHS)
    },
}


def _simd_ops() -> dict[int, _Spec]:
    simd = ("simd128",)
    ops: dict[int, _Spec] = {}
    # Unassigned opcodes inside 0x00-0xFF of the final SIMD proposal.
    gaps = {0x9A, 0xA2, 0xA5, 0xA6, 0xAF, 0xB0, 0xB2, 0xB3, 0xB4, 0xBB}
    gaps |= {0xC2, 0xC5, 0xC6, 0xCF, 0xD0, 0xD2, 0xD3, 0xD4, 0xE2, 0xEE}
    for sub in range(0x100):
        if sub not in gaps:
            ops[sub] = (f"simd op 0xfd {sub:#x}", (), simd)
    loads = (
        "v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u "
        "v128.load32x2_s v128.load32x2_u v128.load8_splat v128.load16_splat v128.load32_splat "
        "v128.load64_splat v128.store"
    )
    ops.update(_ops(0x00, loads, ("ma",), simd))
    ops[0x0C] = ("v128.const", ("v16",), simd)
    ops[0x0D] = ("i8x16.shuffle", ("v16",), simd)
    lanes = (
        "i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane i16x8.extract_lane_s "
        "i16x8.extract_lane_u i16x8.replace_lane i32x4.extract_lane i32x4.replace_lane "
        "i64x2.extract_lane i64x2.replace_lane f32x4.extract_lane f32x4.replace_lane "
        "f64x2.extract_lane f64x2.replace_lane"
    )
    ops.update(_ops(0x15, lanes, ("ln",), simd))
    lane_memory = (
        "v128.load8_lane v128.load16_lane v128.load32_lane v128.load64_lane "
        "v128.store8_lane v128.store16_lane v128.store32_lane v128.store64_lane"
    )
    ops.update(_ops(0x54, lane_memory, ("ma", "ln"), simd))
    ops.update(_ops(0x5C, "v128.load32_zero v128.load64_zero", ("ma",), simd))
    relaxed = (
        "i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u "
        "i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero f32x4.relaxed_madd "
        "f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd i8x16.relaxed_laneselect "
        "i16x8.relaxed_laneselect i32x4.relaxed_laneselect i64x2.relaxed_laneselect "
        "f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min f64x2.relaxed_max "
        "i16x8.relaxed_q15mulr_s i16x8.relaxed_dot_i8x16_i7x16_s "
        "i32x4.relaxed_dot_i8x16_i7x16_add_s"
    )
    ops.update(_ops(0x100, relaxed, (), ("relaxed-simd",)))
    half = ("half-precision",)
    ops[0x120] = ("f16x8.splat", (), half)
    ops[0x121] = ("f16x8.extract_lane", ("ln",), half)
    ops[0x122] = ("f16x8.replace_lane", ("ln",), half)
    halves = (
        "f16x8.abs f16x8.neg f16x8.sqrt f16x8.ceil f16x8.floor f16x8.trunc f16x8.nearest "
        "f16x8.eq f16x8.ne f16x8.lt f16x8.gt f16x8.le f16x8.ge f16x8.add f16x8.sub f16x8.mul "
        "f16x8.div f16x8.min f16x8.max f16x8.pmin f16x8.pmax i16x8.trunc_sat_f16x8_s "
        "i16x8.trunc_sat_f16x8_u f16x8.convert_i16x8_s f16x8.convert_i16x8_u "
        "f16x8.demote_f32x4_zero f16x8.demote_f64x2_zero f32x4.promote_f16x8_low "
        "i16x8.trunc_f16x8_s i16x8.trunc_f16x8_u f16x8.madd f16x8.nmadd"
    )
    ops.update(_ops(0x130, halves, (), half))
    return ops


_PREFIXED: dict[int, tuple[str, dict[int, _Spec]]] = {
    0xFB: ("gc", _GC_OPS),
    0xFC: ("misc", _MISC),
    0xFD: ("simd", _simd_ops()),
    0xFE: ("atomic", _THREAD_OPS),
}

_BLOCK_OPENERS = {0x02, 0x03, 0x04, 0x06, 0x1F}
_EXTENDED_CONST = {0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E}  # i32/i64 add sub mul
_LEGACY_EXN = {0x06, 0x07, 0x09, 0x18, 0x19}  # try catch rethrow delegate catch_all
_FINAL_EXN = {0x0A, 0x1F}  # throw_ref try_table

# The fast path of function bodies: the plain MVP instructions that make up most real code,
# sorted by how their immediates are skipped. Anything else (and any LEB128 of three bytes or
# more) takes the general path, which re-reads the instruction from its first byte.
_FAST_NONE, _FAST_LEB, _FAST_MEMARG, _FAST_F32, _FAST_F64, _FAST_BLOCK, _FAST_END = range(1, 8)
_FAST = bytearray(256)
for _code, (_name, _imms, _features) in _OPCODES.items():
    if _features or _code in _LEGACY_EXN or _code in _FINAL_EXN:
        continue
    if _code == 0x0B:
        _FAST[_code] = _FAST_END
    elif _code in (0x02, 0x03, 0x04):  # block loop if
        _FAST[_code] = _FAST_BLOCK
    elif _imms == ():
        _FAST[_code] = _FAST_NONE
    elif _imms in (("lbl",), ("loc",), ("glb",), ("fn",), ("i32",), ("i64",)):
        _FAST[_code] = _FAST_LEB
    elif _imms == ("ma",):
        _FAST[_code] = _FAST_MEMARG
    elif _imms == ("f32",):
        _FAST[_code] = _FAST_F32
    elif _imms == ("f64",):
        _FAST[_code] = _FAST_F64
_INDEX_KINDS = frozenset(("lbl", "fn", "ty", "loc", "glb", "tag", "fld", "dat", "elm", "n"))
_MVP_BLOCK_TYPES = frozenset((0x40, 0x7F, 0x7E, 0x7D, 0x7C))  # empty, i32, i64, f32, f64


def _byte_class(kind: int, but: tuple[int, ...] = ()) -> bytes:
    """A regular-expression class of the opcodes of one fast kind."""
    codes = (code for code in range(256) if _FAST[code] == kind and code not in but)
    return b"[" + b"".join(re.escape(bytes([code])) for code in codes) + b"]"


# LEB128s short enough that they cannot be out of range: up to 4 bytes (28 bits) for the
# 32-bit immediates, up to 9 bytes (63 bits) for i64.const. Longer ones, and their range
# checks, take the general path.
_LEB32 = rb"[\x80-\xff]{0,3}[\x00-\x7f]"
_LEB64 = rb"[\x80-\xff]{0,8}[\x00-\x7f]"
_I64_CONST = 0x42
_FAST_RUN = re.compile(
    b"(?:"
    + b"|".join(
        [
            _byte_class(_FAST_NONE),
            _byte_class(_FAST_LEB, but=(_I64_CONST,)) + _LEB32,
            re.escape(bytes([_I64_CONST])) + _LEB64,
            _byte_class(_FAST_MEMARG) + rb"[\x00-\x3f]" + _LEB32,  # alignment, offset
            _byte_class(_FAST_F32) + rb".{4}",
            _byte_class(_FAST_F64) + rb".{8}",
        ]
    )
    + b")*",
    re.DOTALL,
)


# ---------------------------------------------------------------------------------------------
# Collecting findings


class _Usage:
    def __init__(self, near: int | None = None) -> None:
        self._seen: dict[str, list] = {}  # feature -> [count, first offset, evidence]
        self.exception_styles: set[str] = set()
        self.near = near
        self.close: list[tuple[int, str, int, str]] = []  # (distance, feature, offset, evidence)

    def note(self, feature: str, offset: int, evidence: str) -> None:
        if self.near is not None and 0 <= self.near - offset <= NEAR_WINDOW:
            self.close.append((self.near - offset, feature, offset, evidence))
        entry = self._seen.get(feature)
        if entry is None:
            self._seen[feature] = [1, offset, evidence]
            return
        entry[0] += 1
        if offset < entry[1]:
            entry[1], entry[2] = offset, evidence

    def findings(self) -> dict[str, Finding]:
        result = {"mvp": Finding("mvp", 1, 0, "WebAssembly 1.0 binary (magic and version 1)")}
        if self.exception_styles == {"legacy"} and "exceptions" in self._seen:
            # Tags and `throw` belong to both forms: with only try/catch they are legacy's.
            shared = self._seen.pop("exceptions")
            legacy = self._seen["exceptions-legacy"]
            legacy[0] += shared[0]
            if shared[1] < legacy[1]:
                legacy[1], legacy[2] = shared[1], shared[2]
        for feature in FEATURE_ORDER:
            if feature == "mvp" or feature not in self._seen:
                continue
            count, offset, evidence = self._seen[feature]
            if feature in ("exceptions", "exceptions-legacy"):
                evidence += f" [{self._exception_style()}]"
            result[feature] = Finding(feature, count, offset, evidence)
        return result

    def located(self) -> tuple[Finding, ...]:
        """The uses closest to the offset asked about (several when they tie)."""
        if not self.close:
            return ()
        nearest = min(distance for distance, *_ in self.close)
        found = {}
        for distance, feature, offset, evidence in sorted(self.close):
            if distance == nearest and feature not in found:
                if feature == "exceptions":
                    evidence += f" [{self._exception_style()}]"
                found[feature] = Finding(feature, 1, offset, evidence)
        return tuple(found.values())

    def _exception_style(self) -> str:
        styles = self.exception_styles
        if styles == {"legacy"}:
            return "legacy exception handling (try/catch)"
        if styles == {"final"}:
            return "final exception handling (try_table/exnref)"
        if styles:
            return "both legacy (try/catch) and final (try_table/exnref) exception handling"
        return "tags only: legacy or final undetermined"


# ---------------------------------------------------------------------------------------------
# The scanner


class _Scanner:
    def __init__(self, data: bytes, near: int | None = None):
        self.data = data
        self.usage = _Usage(near)
        self.imports: list[Import] = []
        self.exports: list[Export] = []
        self.sections: list[Section] = []
        self.target_features: dict[str, str] = {}
        self.global_mutable: list[bool] = []
        self.type_forms: list[int] = []  # 0x60 func, 0x5f struct, 0x5e array, 0x5d cont
        self.tables = self.memories = 0
        self.function_count: int | None = None
        self.code_count: int | None = None
        self.data_count: int | None = None
        self.data_segments: int | None = None

    def note(self, feature: str, offset: int, evidence: str) -> None:
        self.usage.note(feature, offset, evidence)

    def run(self) -> ScanReport:
        r = Reader(self.data)
        if r.remaining() < 4 or r.bytes(4) != MAGIC:
            raise ScanError(0, "not a WebAssembly module: bad magic (want 00 61 73 6d)")
        version = r.bytes(4, "the version")
        if version == COMPONENT_VERSION:
            raise ScanError(4, "a component-model binary, not a core module")
        if version != VERSION:
            raise ScanError(4, f"unsupported binary version {version.hex(' ')} (want 01 00 00 00)")
        last_rank = 0
        while not r.at_end():
            offset = r.pos
            section_id = r.u8("section id")
            if section_id not in _SECTIONS:
                raise ScanError(offset, f"unknown section id {section_id}")
            size = r.u32("section size")
            body = r.sub(size, f"the {_SECTIONS[section_id]} section")
            rank = _SECTION_RANK.get(section_id)
            if rank is not None:
                if rank <= last_rank:
                    raise ScanError(
                        offset, f"{_SECTIONS[section_id]} section out of order or repeated"
                    )
                last_rank = rank
            name = self._section(section_id, offset, body)
            self.sections.append(Section(section_id, name, offset, body.end))
        self._check_counts()
        features = self.usage.findings()
        return ScanReport(
            features=features,
            needs=tuple(name for name in features if name != "mvp" and name not in ADVISORY),
            target_features=self.target_features,
            imports=tuple(self.imports),
            exports=tuple(self.exports),
            sections=tuple(self.sections),
            located=self.usage.located(),
        )

    def _check_counts(self) -> None:
        end = len(self.data)
        if (self.function_count or 0) != (self.code_count or 0):
            raise ScanError(
                end,
                f"function section declares {self.function_count or 0} functions but the code "
                f"section has {self.code_count or 0} bodies",
            )
        if self.data_count is not None and self.data_count != (self.data_segments or 0):
            raise ScanError(
                end,
                f"data count section says {self.data_count} segments but the data section "
                f"has {self.data_segments or 0}",
            )

    # -- sections ------------------------------------------------------------------------------

    def _section(self, section_id: int, offset: int, r: Reader) -> str:
        name = _SECTIONS[section_id]
        if section_id == 0:
            return self._custom(r)
        handler = getattr(self, f"_{name}_section")
        handler(r, offset)
        r.expect_end(f"the {name} section")
        return name

    def _custom(self, r: Reader) -> str:
        name = r.name("custom section name")
        if name == "target_features":
            for _ in range(r.count("target features")):
                prefix_at = r.pos
                prefix = chr(r.u8("target feature prefix"))
                if prefix not in "+-=":
                    raise ScanError(prefix_at, f"target feature prefix {prefix!r} is not + - =")
                self.target_features[r.name("target feature name")] = prefix
            r.expect_end("the target_features section")
        elif name == "metadata.code.branch_hint":
            self.note("branch-hinting", r.pos, "a metadata.code.branch_hint section")
        elif name == "name":
            self._name_section(r)
        r.pos = r.end  # other custom sections (producers, ...) are not read
        return name

    def _name_section(self, r: Reader) -> None:
        # Subsections 0-2 (module, functions, locals) are 1.0's; 3 and up the extended ones.
        # A malformed name section is no error: engines ignore it too.
        kinds = {3: "labels", 4: "types", 5: "tables", 6: "memories", 7: "globals", 8: "elements"}
        kinds.update({9: "data segments", 10: "fields", 11: "tags"})
        try:
            while not r.at_end():
                at = r.pos
                kind = r.u8("name subsection id")
                r.sub(r.u32("name subsection size"), "a name subsection")
                if kind in kinds:
                    self.note(
                        "extended-name-section", at, f"name subsection {kind} ({kinds[kind]})"
                    )
        except ScanError:
            return

    def _type_section(self, r: Reader, _offset: int) -> None:
        for _ in range(r.count("types")):
            offset = r.pos
            if r.peek("type form") == 0x4E:
                r.u8()
                members = r.count("rec group members")
                self.note("gc", offset, f"rec group of {members} types")
                for _ in range(members):
                    self._subtype(r)
            else:
                self._subtype(r)

    def _subtype(self, r: Reader) -> None:
        offset = r.pos
        form = r.u8("type form")
        if form in (0x50, 0x4F):
            final = "sub final" if form == 0x4F else "sub"
            supers = r.count("supertypes")
            for _ in range(supers):
                r.u32("supertype index")
            self.note("gc", offset, f"{final} type with {supers} supertype(s)")
            offset = r.pos
            form = r.u8("type form")
        self.type_forms.append(form)
        if form == 0x60:
            for _ in range(r.count("params")):
                self._valtype(r, "param")
            results = r.count("results")
            for _ in range(results):
                self._valtype(r, "result")
            if results > 1:
                self.note("multivalue", offset, f"function type with {results} results")
        elif form == 0x5F:
            self.note("gc", offset, "struct type")
            for _ in range(r.count("struct fields")):
                self._fieldtype(r)
        elif form == 0x5E:
            self.note("gc", offset, "array type")
            self._fieldtype(r)
        elif form == 0x5D:
            self.note("stack-switching", offset, "continuation type")
            r.u32("continuation's function type index")
        else:
            raise ScanError(offset, f"unknown type form 0x{form:02x}")

    def _fieldtype(self, r: Reader) -> None:
        if r.peek("field type") in _PACKED:
            r.u8()
        else:
            self._valtype(r, "field")
        mut_at = r.pos
        if r.u8("field mutability") > 1:
            raise ScanError(mut_at, "field mutability must be 0 or 1")

    def _import_section(self, r: Reader, _offset: int) -> None:
        for _ in range(r.count("imports")):
            offset = r.pos
            module = r.name("import module name")
            name = r.name("import name")
            if name == "" and r.peek("import kind") in (0x7E, 0x7F):
                self._compact_imports(r, offset, module)
                continue
            self._import(r, offset, module, name)

    def _compact_imports(self, r: Reader, offset: int, module: str) -> None:
        # The compact import section: "" then 0x7f and (name, type) items, or 0x7e, names
        # and one type they all share.
        form = r.u8("compact import form")
        count = r.count("compact import items")
        self.note("compact-import-section", offset, f"{count} imports from {module!r} in one group")
        if form == 0x7F:
            for _ in range(count):
                self._import(r, r.pos, module, r.name("import name"))
            return
        names = [r.name("import name") for _ in range(count)]
        at = r.pos
        for name in names:
            r.pos = at  # every name shares the one type that follows
            self._import(r, at, module, name)

    def _import(self, r: Reader, offset: int, module: str, name: str) -> None:
        kind_at = r.pos
        kind = r.u8("import kind")
        if kind not in _KINDS:
            raise ScanError(kind_at, f"unknown import kind 0x{kind:02x}")
        self.imports.append(Import(module, name, _KINDS[kind]))
        where = f"import {module}.{name}"
        if kind == 0:
            r.u32("type index")
        elif kind == 1:
            self._tabletype(r, offset, where)
        elif kind == 2:
            self._memtype(r, offset, where)
        elif kind == 3:
            if self._globaltype(r, where):
                self.note("mutable-globals", offset, f"{where} is a mutable global")
        else:
            self._tagtype(r)
            self.note("exceptions", offset, f"{where} is a tag")

    def _function_section(self, r: Reader, _offset: int) -> None:
        self.function_count = r.count("functions")
        for _ in range(self.function_count):
            r.u32("type index")

    def _table_section(self, r: Reader, _offset: int) -> None:
        for index in range(r.count("tables")):
            offset = r.pos
            where = f"table {index}"
            if r.peek("table type") == 0x40:
                r.u8()
                zero_at = r.pos
                if r.u8("reserved byte") != 0:
                    raise ScanError(zero_at, "table with initializer: reserved byte must be 0")
                self._tabletype(r, offset, where)
                self.note("gc", offset, f"{where} has an initializer expression")
                self._expr(r, const=True)
            else:
                self._tabletype(r, offset, where)

    def _memory_section(self, r: Reader, _offset: int) -> None:
        for index in range(r.count("memories")):
            self._memtype(r, r.pos, f"memory {index}")

    def _tag_section(self, r: Reader, offset: int) -> None:
        count = r.count("tags")
        for _ in range(count):
            self._tagtype(r)
        self.note("exceptions", offset, f"tag section with {count} tag(s)")

    def _global_section(self, r: Reader, _offset: int) -> None:
        for index in range(r.count("globals")):
            self._globaltype(r, f"global {index}")
            self._expr(r, const=True)

    def _export_section(self, r: Reader, _offset: int) -> None:
        for _ in range(r.count("exports")):
            offset = r.pos
            name = r.name("export name")
            kind_at = r.pos
            kind = r.u8("export kind")
            if kind not in _KINDS:
                raise ScanError(kind_at, f"unknown export kind 0x{kind:02x}")
            index = r.u32("export index")
            self.exports.append(Export(name, _KINDS[kind], index))
            if kind == 3 and index < len(self.global_mutable) and self.global_mutable[index]:
                self.note("mutable-globals", offset, f"export {name!r} is a mutable global")
            elif kind == 4:
                self.note("exceptions", offset, f"export {name!r} is a tag")

    def _start_section(self, r: Reader, _offset: int) -> None:
        r.u32("start function index")

    def _element_section(self, r: Reader, _offset: int) -> None:
        for index in range(r.count("element segments")):
            offset = r.pos
            flags = r.u32("element segment flags")
            if flags > 7:
                raise ScanError(offset, f"unknown element segment flags {flags}")
            where = f"element segment {index}"
            passive, explicit_table, expressions = flags & 1, flags & 2, flags & 4
            if passive and explicit_table:
                self.note("reference-types", offset, f"{where} is declarative")
            elif passive:
                self.note("bulk-memory", offset, f"{where} is passive")
            if not passive:  # active: [table index] offset expression
                if explicit_table:
                    table = r.u32("table index")
                    if table:
                        self.note("reference-types", offset, f"{where} targets table {table}")
                    else:
                        self.note("bulk-memory", offset, f"{where} names its table explicitly")
                self._expr(r, const=True)
            if expressions:
                self.note("reference-types", offset, f"{where} uses element expressions")
                if flags != 4:
                    self._valtype(r, "element segment type", funcref_is_mvp=True)
                for _ in range(r.count("element expressions")):
                    self._expr(r, const=True)
            else:
                if flags != 0:
                    kind_at = r.pos
                    if r.u8("element kind") != 0:
                        raise ScanError(kind_at, "element kind must be 0x00 (funcref)")
                for _ in range(r.count("element function indices")):
                    r.u32("function index")

    def _datacount_section(self, r: Reader, offset: int) -> None:
        self.data_count = r.u32("data count")
        self.note("bulk-memory", offset, f"data count section ({self.data_count})")

    def _code_section(self, r: Reader, _offset: int) -> None:
        self.code_count = r.count("function bodies")
        for _ in range(self.code_count):
            size = r.u32("function body size")
            body = r.sub(size, "a function body")
            total = 0
            for _ in range(body.count("local declarations")):
                total += body.u32("local count")
                if total >= 1 << 32:
                    raise ScanError(body.pos, "too many locals")
                self._valtype(body, "local")
            self._expr(body, const=False)
            body.expect_end("a function body")

    def _data_section(self, r: Reader, _offset: int) -> None:
        self.data_segments = r.count("data segments")
        for index in range(self.data_segments):
            offset = r.pos
            flags = r.u32("data segment flags")
            where = f"data segment {index}"
            if flags == 1:
                self.note("bulk-memory", offset, f"{where} is passive")
            elif flags in (0, 2):
                if flags == 2:
                    memory = r.u32("memory index")
                    if memory:
                        self.note("multi-memory", offset, f"{where} targets memory {memory}")
                    else:
                        self.note("bulk-memory", offset, f"{where} names its memory explicitly")
                self._expr(r, const=True)
            else:
                raise ScanError(offset, f"unknown data segment flags {flags}")
            r.bytes(r.count("data bytes"), "data bytes")

    # -- types ---------------------------------------------------------------------------------

    def _valtype(self, r: Reader, where: str, funcref_is_mvp: bool = False) -> str:
        offset = r.pos
        code = r.u8("value type")
        if code in _NUMERIC:
            return _NUMERIC[code]
        if code == _V128:
            self.note("simd128", offset, f"v128 {where} type")
            return "v128"
        if code in _HEAP:
            heap, nullable = _HEAP[code], True
        elif code in (_REF_NULL, _REF):
            heap, nullable = self._heaptype(r), code == _REF_NULL
        else:
            raise ScanError(offset, f"unknown value type 0x{code:02x}")
        text = f"(ref {'null ' if nullable else ''}{heap})"
        features = {self._heap_feature(heap)}
        if not nullable:  # non-nullable references come with typed function references
            features.add("function-references")
        elif heap == "func" and funcref_is_mvp:  # tables of funcref are MVP
            features.discard("reference-types")
        for feature in sorted(features):
            self.note(feature, offset, f"{text} {where} type")
        if heap == "exn":
            self.usage.exception_styles.add("final")
        return text

    def _heap_feature(self, heap: str) -> str:
        # A type index naming a function type is a typed function reference; others are gc.
        if heap.startswith("$"):
            index = int(heap[1:])
            if index < len(self.type_forms) and self.type_forms[index] == 0x60:
                return "function-references"
            if index < len(self.type_forms) and self.type_forms[index] == 0x5D:
                return "stack-switching"
        return _heap_feature(heap)

    def _heaptype(self, r: Reader) -> str:
        offset = r.pos
        code = r.peek("heap type")
        if code in _HEAP:
            r.u8()
            return _HEAP[code]
        index = r.s33("heap type")
        if index < 0:
            raise ScanError(offset, f"unknown heap type 0x{code:02x}")
        return f"${index}"

    def _tabletype(self, r: Reader, offset: int, where: str) -> None:
        self._valtype(r, f"{where} element", funcref_is_mvp=True)
        self._limits(r, where, table=True)
        self.tables += 1
        if self.tables == 2:
            self.note("reference-types", offset, f"a second table ({where})")

    def _memtype(self, r: Reader, offset: int, where: str) -> None:
        self._limits(r, where, table=False)
        self.memories += 1
        if self.memories == 2:
            self.note("multi-memory", offset, f"a second memory ({where})")

    def _limits(self, r: Reader, where: str, table: bool) -> None:
        offset = r.pos
        flags = r.u8("limits flags")
        allowed = (0, 1, 4, 5) if table else range(16)
        if flags not in allowed:
            raise ScanError(offset, f"unsupported limits flags 0x{flags:02x} on {where}")
        read = r.u64 if flags & 4 else r.u32
        read("limits minimum")
        if flags & 1:
            read("limits maximum")
        if flags & 8:
            log2 = r.u32("page size (log2)")
            self.note(
                "custom-page-sizes", offset, f"{where} has pages of {1 << min(log2, 64)} bytes"
            )
        if flags & 4:
            self.note("memory64", offset, f"{where} is 64-bit{' (table64)' if table else ''}")
        if flags & 2:
            self.note("threads", offset, f"{where} is shared")

    def _globaltype(self, r: Reader, where: str) -> bool:
        self._valtype(r, where)
        mut_at = r.pos
        mutable = r.u8("global mutability")
        if mutable > 3:
            raise ScanError(mut_at, f"global flags must be 0 to 3, not {mutable}")
        if mutable & 2:
            self.note("shared-everything-threads", mut_at, f"{where} is a shared global")
        self.global_mutable.append(bool(mutable & 1))
        return bool(mutable & 1)

    def _tagtype(self, r: Reader) -> None:
        offset = r.pos
        if r.u8("tag attribute") != 0:
            raise ScanError(offset, "tag attribute must be 0 (exception)")
        r.u32("tag type index")

    # -- instructions --------------------------------------------------------------------------

    def _expr(self, r: Reader, const: bool) -> None:
        """Read instructions up to and including the `end` that closes the expression."""
        depth = 1
        # Constant expressions are short and every add/sub/mul in them counts, so they
        # always take the general path.
        fast = _FAST if not const else bytes(256)
        data, end = self.data, r.end
        note = self.usage.note
        while True:
            # The fast path: a run of plain MVP instructions matched by one regular
            # expression (at C speed), then blocks and ends, which count depth, by hand.
            pos = r.pos
            while True:
                if not const:
                    pos = _FAST_RUN.match(data, pos, end).end()
                if pos >= end:
                    break
                kind = fast[data[pos]]
                if kind == _FAST_BLOCK and pos + 1 < end and data[pos + 1] in _MVP_BLOCK_TYPES:
                    pos += 2
                    depth += 1
                elif kind == _FAST_END:
                    pos += 1
                    depth -= 1
                    if depth == 0:
                        r.pos = pos
                        return
                else:
                    break
            r.pos = offset = pos
            opcode = r.u8("opcode")
            if opcode in _PREFIXED:
                family, table = _PREFIXED[opcode]
                if pos + 1 < end and data[pos + 1] < 0x80:  # a one-byte sub-opcode
                    sub = data[pos + 1]
                    r.pos = pos + 2
                else:
                    sub = r.u32(f"{family} sub-opcode")
                spec = table.get(sub)
                if spec is None:
                    raise ScanError(offset, f"unknown opcode 0x{opcode:02x} {sub} ({family})")
            else:
                spec = _OPCODES.get(opcode)
                if spec is None:
                    raise ScanError(offset, f"unknown opcode 0x{opcode:02x}")
            name, immediates, features = spec
            for feature in features:
                note(feature, offset, name)
            if opcode in _LEGACY_EXN:
                self.usage.exception_styles.add("legacy")
            elif opcode in _FINAL_EXN:
                self.usage.exception_styles.add("final")
            if const and opcode in _EXTENDED_CONST:
                self.note("extended-const", offset, f"{name} in a constant expression")
            for kind in immediates:
                self._immediate(r, kind, name, offset)
            if opcode in _BLOCK_OPENERS:
                depth += 1
            elif opcode == 0x0B or opcode == 0x18:  # end, delegate (closes a legacy try)
                depth -= 1
                if depth == 0:
                    if opcode == 0x18:
                        raise ScanError(offset, "delegate outside of a try block")
                    return

    def _immediate(self, r: Reader, kind: str, name: str, offset: int) -> None:
        # The commonest kinds first: this runs for every instruction off the fast path.
        if kind == "ma":
            self._memarg(r, name, offset)
        elif kind in _INDEX_KINDS:
            r.u32(f"{name} immediate")
        elif kind == "bt":
            self._blocktype(r, name, offset)
        elif kind == "brt":
            for _ in range(r.count("br_table labels")):
                r.u32("br_table label")
            r.u32("br_table default label")
        elif kind == "cit":
            at = r.pos
            table, length = r.leb(32, False, "call_indirect table index")
            if _is_overlong(table, length):
                raw = self.data[at : at + length].hex(" ")
                self.note(
                    "call-indirect-overlong",
                    offset,
                    f"call_indirect table index {table} encoded in {length} bytes ({raw})",
                )
            if table:
                self.note("reference-types", offset, f"call_indirect through table {table}")
        elif kind == "tbl":
            table = r.u32(f"{name} table index")
            if table:
                self.note("reference-types", offset, f"{name} on table {table}")
        elif kind == "mem":
            memory = r.u32(f"{name} memory index")
            if memory:
                self.note("multi-memory", offset, f"{name} on memory {memory}")
        elif kind == "i32":
            r.s32("i32.const value")
        elif kind == "i64":
            r.s64("i64.const value")
        elif kind == "f32":
            r.bytes(4, "f32.const value")
        elif kind == "f64":
            r.bytes(8, "f64.const value")
        elif kind == "v16":
            r.bytes(16, f"{name} immediate")
        elif kind == "ln":
            r.u8("lane index")
        elif kind == "z":
            at = r.pos
            if r.u8("reserved byte") != 0:
                raise ScanError(at, f"{name}: reserved byte must be 0")
        elif kind == "ord":  # atomic.fence: 0 seqcst (the threads proposal), 1 acqrel
            at = r.pos
            ordering = r.u8("fence ordering")
            if ordering > 1:
                raise ScanError(at, f"{name}: ordering must be 0 or 1")
            if ordering:
                self.note("acquire-release-atomics", offset, f"{name} acqrel")
        elif kind == "hdl":  # resume handlers: (on $tag $label) or (on $tag switch)
            for _ in range(r.count("resume handlers")):
                at = r.pos
                handler = r.u8("handler kind")
                if handler > 1:
                    raise ScanError(at, f"unknown resume handler kind {handler}")
                r.u32("handler tag")
                if handler == 0:
                    r.u32("handler label")
        elif kind == "vts":
            for _ in range(r.count("select types")):
                self._valtype(r, "select", funcref_is_mvp=True)
        elif kind == "ht":
            heap = self._heaptype(r)
            feature = self._heap_feature(heap)
            if feature != "reference-types":  # ref.null func/extern: the opcode said it all
                self.note(feature, offset, f"{name} {heap}")
            if heap == "exn":
                self.usage.exception_styles.add("final")
        elif kind == "cat":
            for _ in range(r.count("try_table catch clauses")):
                at = r.pos
                clause = r.u8("catch clause kind")
                if clause > 3:
                    raise ScanError(at, f"unknown catch clause kind {clause}")
                if clause < 2:  # catch / catch_ref name a tag
                    r.u32("catch tag")
                r.u32("catch label")
        elif kind == "cast":
            at = r.pos
            if r.u8("cast flags") > 3:
                raise ScanError(at, "br_on_cast flags must be 0-3")
            r.u32("br_on_cast label")
            self._heaptype(r)
            self._heaptype(r)
        else:  # pragma: no cover - a typo in the tables above
            raise AssertionError(kind)

    def _blocktype(self, r: Reader, name: str, offset: int) -> None:
        code = r.peek("block type")
        if code == 0x40:
            r.u8()
        elif code in _VALTYPE_START:
            self._valtype(r, f"{name} result", funcref_is_mvp=False)
        else:
            at = r.pos
            index = r.s33("block type")
            if index < 0:
                raise ScanError(at, f"unknown block type 0x{code:02x}")
            self.note("multivalue", offset, f"{name} with type-index block type {index}")

    def _memarg(self, r: Reader, name: str, offset: int) -> None:
        at = r.pos
        align = r.u32(f"{name} alignment")
        if align >= 0x80:
            raise ScanError(at, f"{name}: alignment flags {align:#x} out of range")
        if align & 0x40:
            memory = r.u32(f"{name} memory index")
            self.note("multi-memory", offset, f"{name} with explicit memory index {memory}")
        if align & 0x10 and name.startswith(("i32.atomic", "i64.atomic", "memory.atomic")):
            ordering = r.u8(f"{name} memory ordering")
            kind = {0x00: "seqcst", 0x01: "acqrel", 0x11: "acqrel"}.get(ordering, hex(ordering))
            self.note("acquire-release-atomics", offset, f"{name} with ordering {kind}")
        r.u64(f"{name} offset")


# ---------------------------------------------------------------------------------------------


def _main(argv: list[str]) -> int:
    """`python -m matrix.scanner FILE.wasm ...`: print what each module uses."""
    status = 0
    for path in argv:
        try:
            report = scan(Path(path).read_bytes())
        except (OSError, ScanError) as error:
            print(f"{path}: {error}")
            status = 1
            continue
        print(f"{path}: needs {', '.join(report.needs) or 'mvp only'}")
        for finding in report.features.values():
            print(
                f"  {finding.feature:24} x{finding.count:<5} at {finding.first_offset:#07x}  "
                f"{finding.evidence}"
            )
        if report.target_features:
            flags = " ".join(f"{p}{n}" for n, p in report.target_features.items())
            print(f"  target_features: {flags}")
    return status


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
