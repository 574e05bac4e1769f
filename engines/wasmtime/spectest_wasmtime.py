"""Calls through the C API's value union, so that every value crosses exactly (wasmtime-py's
`Val` takes f32 as a Python float, which quiets a signalling NaN, and knows only numbers,
funcref and externref); and scripts on Wasmtime: one store and linker per script, with the
`spectest` module. Needs wasmtime-py 20 or newer."""

from __future__ import annotations

import ctypes
import sys

import wasmtime
from pyhost import SPECTEST_GLOBALS, SPECTEST_PRINTS, CallError, Unsupported
from pyvalues import python_to_wire
from wasmtime import _ffi as ffi
from wasmtime._func import enter_wasm

# Value kinds of the C API's wasmtime_val_t (wasmtime/val.h).
I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, ANYREF, EXNREF = range(9)
FUNC_HEAPS = {"func", "nofunc"}
EXTERN_HEAPS = {"extern", "noextern"}
EXN_HEAPS = {"exn", "noexn"}


class ExactCalls:
    """Calls and global reads on one store, every value as its bits."""

    def __init__(self, store: wasmtime.Store):
        self.store = store

    def call(self, function: wasmtime.Func, args: list[dict]) -> list[dict]:
        function_type = function.type(self.store)
        if len(function_type.params) != len(args):
            raise CallError(f"takes {len(function_type.params)} arguments, {len(args)} given")
        count = len(function_type.results)
        params = (ffi.wasmtime_val_t * max(len(args), 1))()
        for index, arg in enumerate(args):
            params[index] = self.raw(arg)
        results = (ffi.wasmtime_val_t * max(count, 1))()
        with enter_wasm(self.store) as trap:
            error = ffi.wasmtime_func_call(
                self.store._context(),
                ctypes.byref(function._func),
                params,
                len(args),
                results,
                count,
                trap,
            )
            if error:
                raise wasmtime.WasmtimeError._from_ptr(error)
        return [self.wire(results[index]) for index in range(count)]

    def read_global(self, glob: wasmtime.Global) -> dict:
        raw = ffi.wasmtime_val_t()
        ffi.wasmtime_global_get(
            self.store._context(), ctypes.byref(glob._global), ctypes.byref(raw)
        )
        return self.wire(raw)

    def raw(self, arg: dict) -> ffi.wasmtime_val_t:
        kind = arg["type"]
        value = ffi.wasmtime_val_t()
        if kind in ("i32", "i64"):
            bits, width = int(arg["value"]), 32 if kind == "i32" else 64
            value.kind = I32 if kind == "i32" else I64
            signed = bits - (1 << width) if bits >> (width - 1) else bits
            setattr(value.of, kind, signed)
        elif kind in ("f32", "f64"):
            # Through the union's integer view, so NaN payloads stay exact.
            value.kind = F32 if kind == "f32" else F64
            if kind == "f32":
                value.of.i32 = _signed(int(arg["value"]), 32)
            else:
                value.of.i64 = _signed(int(arg["value"]), 64)
        elif kind == "v128":
            value.kind = V128
            data = int(arg["value"]).to_bytes(16, "little")
            ctypes.memmove(ctypes.byref(value.of.v128), data, 16)
        elif kind == "ref.null":
            heap = arg["heap"]
            if heap in FUNC_HEAPS or heap.isdigit() or heap.startswith("$"):
                return wasmtime.Val.funcref(None)._new_raw(self.store)
            if heap in EXTERN_HEAPS:
                return wasmtime.Val.externref(None)._new_raw(self.store)
            value.kind = EXNREF if heap in EXN_HEAPS else ANYREF  # all-zero: null
        elif kind == "ref.host":
            raise Unsupported("this host cannot make an anyref host reference (ref.host)")
        elif kind == "ref.extern":
            return wasmtime.Val.externref(HostRef(int(arg["value"])))._new_raw(self.store)
        else:
            raise Unsupported(f"arguments of type {kind} cannot be passed by this host")
        return value

    def wire(self, raw: ffi.wasmtime_val_t) -> dict:
        kind = raw.kind
        if kind in (I32, I64, F32, F64):
            name = ("i32", "i64", "f32", "f64")[kind]
            if kind == F32:
                return {"type": "f32", "value": str(raw.of.i32 & 0xFFFFFFFF)}
            if kind == F64:
                return {"type": "f64", "value": str(raw.of.i64 & 0xFFFFFFFFFFFFFFFF)}
            return python_to_wire(name, getattr(raw.of, name))
        if kind == V128:
            return {"type": "v128", "value": str(int.from_bytes(bytes(raw.of.v128), "little"))}
        if kind == FUNCREF:
            null = raw.of.funcref.store_id == 0
            return {"type": "ref", "kind": "null" if null else "func"}
        if kind == EXTERNREF:
            if raw.of.externref.store_id == 0:
                return {"type": "ref", "kind": "null"}
            data = wasmtime.Val._from_raw(self.store, raw, owned=True).value
            if isinstance(data, HostRef):
                return {"type": "ref", "kind": "extern", "value": str(data.number)}
            return {"type": "ref", "kind": "extern"}
        if kind == ANYREF:
            return self._anyref(raw)
        if kind == EXNREF:
            null = raw.of.exnref.store_id == 0
            return {"type": "ref", "kind": "null" if null else "exn"}
        raise Unsupported(f"results of value kind {kind} cannot be read by this host")

    def _anyref(self, raw: ffi.wasmtime_val_t) -> dict:
        anyref = raw.of.anyref
        if anyref.store_id == 0:
            return {"type": "ref", "kind": "null"}
        context, pointer = self.store._context(), ctypes.byref(anyref)
        if ffi.wasmtime_anyref_is_struct(context, pointer):
            return {"type": "ref", "kind": "struct"}
        if ffi.wasmtime_anyref_is_array(context, pointer):
            return {"type": "ref", "kind": "array"}
        # (wasmtime_anyref_is_i31 says yes to every reference in 50.0; i31_get_u is exact.)
        bits = ctypes.c_uint32()
        if ffi.wasmtime_anyref_i31_get_u(context, pointer, ctypes.byref(bits)):
            return {"type": "ref", "kind": "i31", "value": str(bits.value)}
        # A host reference made internal (any.convert_extern): its number cannot be read.
        return {"type": "ref", "kind": "any"}


class ScriptStore(ExactCalls):
    def __init__(self, engine: wasmtime.Engine):
        super().__init__(wasmtime.Store(engine))
        self.engine = engine
        self.linker = wasmtime.Linker(engine)
        self.linker.allow_shadowing = True  # a later `register` may reuse a name
        _define_spectest(self)


class HostRef:
    """A host reference standing for a number (the script's `(ref.extern n)`)."""

    def __init__(self, number: int):
        self.number = number


def _signed(bits: int, width: int) -> int:
    return bits - (1 << width) if bits >> (width - 1) else bits


def _define_spectest(script: ScriptStore) -> None:
    store, linker = script.store, script.linker
    ValType, FuncType = wasmtime.ValType, wasmtime.FuncType
    kinds = {"i32": ValType.i32(), "i64": ValType.i64(), "f32": ValType.f32(), "f64": ValType.f64()}
    for name, params in SPECTEST_PRINTS.items():
        linker.define_func(
            "spectest",
            name,
            FuncType([kinds[p] for p in params], []),
            lambda *values: print(*values, file=sys.stderr),
        )
    for kind, value in SPECTEST_GLOBALS.items():
        glob = wasmtime.Global(
            store, wasmtime.GlobalType(kinds[kind], False), getattr(wasmtime.Val, kind)(value)
        )
        linker.define(store, "spectest", f"global_{kind}", glob)
    table = wasmtime.Table(
        store, wasmtime.TableType(ValType.funcref(), wasmtime.Limits(10, 20)), None
    )
    linker.define(store, "spectest", "table", table)
    memory = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, 2)))
    linker.define(store, "spectest", "memory", memory)
    try:  # a 64-bit table, made by a module (the Python API has no 64-bit TableType)
        made = wasmtime.Module(
            script.engine, wasmtime.wat2wasm('(module (table (export "t") i64 10 20 funcref))')
        )
        table64 = wasmtime.Instance(store, made, []).exports(store)["t"]
        linker.define(store, "spectest", "table64", table64)
    except wasmtime.WasmtimeError:  # memory64 switched off
        pass
    # A shared memory, made by a module and defined through its instance: wasmtime-py's
    # Linker.define cannot take a SharedMemory (a ctypes pointer mix-up in 50.0).
    try:
        made = wasmtime.Module(
            script.engine,
            wasmtime.wat2wasm('(module (memory (export "shared_memory") 1 2 shared))'),
        )
        linker.define_instance(store, "spectest", wasmtime.Instance(store, made, []))
    except wasmtime.WasmtimeError:  # threads switched off
        pass
