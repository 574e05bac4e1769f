"""wasm-matrix host for Wasmtime, through the wasmtime Python package."""

from __future__ import annotations

import argparse
import inspect
import sys
import threading
import time
from importlib.metadata import version as package_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wasmtime
from pyhost import (
    CallError,
    CallThrew,
    CallTrapped,
    CannotStub,
    Host,
    Interrupted,
    Reject,
    StubCalled,
    serve,
    stub_called,
    stub_function,
)
from pyvalues import bits_to_python, check_arguments, python_to_wire
from pywasi import WasiRun, exit_code_of
from trapwords import (
    ARRAY,
    CAST,
    CONVERSION,
    DIVIDE,
    MEMORY,
    MISMATCH,
    NULL,
    OVERFLOW,
    SPEC_WORDS,
    STACK,
    TABLE,
    UNALIGNED,
    UNDEFINED,
    UNINITIALIZED,
    UNREACHABLE,
    trap_kinds,
)

# Our feature names → wasmtime.Config attributes (present in the versions that have them).
CONFIG_FLAGS = {
    "reference-types": "wasm_reference_types",
    "multivalue": "wasm_multi_value",
    "bulk-memory": "wasm_bulk_memory",
    "simd128": "wasm_simd",
    "relaxed-simd": "wasm_relaxed_simd",
    "tail-call": "wasm_tail_call",
    "threads": "wasm_threads",
    "multi-memory": "wasm_multi_memory",
    "memory64": "wasm_memory64",
    "gc": "wasm_gc",
    "function-references": "wasm_function_references",
    "exceptions": "wasm_exceptions",
    "custom-page-sizes": "wasm_custom_page_sizes",
    "wide-arithmetic": "wasm_wide_arithmetic",
    "stack-switching": "wasm_stack_switching",
}
# Wasmtime's own rules: these cannot stay on once what they build on is off.
BUILDS_ON = {
    "reference-types": ["gc", "function-references", "exceptions"],
    "function-references": ["gc"],
    "simd128": ["relaxed-simd"],
}
VALUE_KINDS = {"i32": "i32", "i64": "i64", "f32": "f32", "f64": "f64"}
# Wasmtime's trap codes (wasmtime-py 0.35+) in the shared vocabulary; older versions, and
# codes newer than a version's enum, are read from the message, worded as the spec does.
TRAP_CODES = {
    "UNREACHABLE": [UNREACHABLE],
    "INTEGER_DIVISION_BY_ZERO": [DIVIDE],
    "INTEGER_OVERFLOW": [OVERFLOW],
    "BAD_CONVERSION_TO_INTEGER": [CONVERSION],
    "MEMORY_OUT_OF_BOUNDS": [MEMORY],
    "TABLE_OUT_OF_BOUNDS": [UNDEFINED, TABLE],  # call_indirect and table.* alike
    "INDIRECT_CALL_TO_NULL": [UNINITIALIZED],
    "BAD_SIGNATURE": [MISMATCH],
    "NULL_REFERENCE": [NULL],
    "CAST_FAILURE": [CAST],
    "ARRAY_OUT_OF_BOUNDS": [ARRAY],
    "HEAP_MISALIGNED": [UNALIGNED],
    "STACK_OVERFLOW": [STACK],
}
# wasmtime-py 0.23–0.27 predate the explicit store argument: `instance.exports` and
# `func.type` are properties there and functions are called without the store.
STORELESS_API = isinstance(getattr(wasmtime.Instance, "exports", None), property)
# The share of the runner's time limit after which the engine interrupts the module itself
# (epoch interruption), so the host answers `timeout` and stays warm instead of being killed.
INTERRUPT_AT = 0.8


class WasmtimeHost(Host):
    engine = "wasmtime"
    stubs = 0  # how many imports the last load generated
    # Scripts need the Linker and the C API's value union (v128, anyref): wasmtime-py 20+
    # (measured: 10.0 cannot make the calls, 0.40 and older cannot build the linker).
    scripts = int(package_version("wasmtime").split(".")[0]) >= 20

    def __init__(self, disabled: list[str], as_shipped: bool = False):
        super().__init__(disabled)
        self.switched_off = set()
        for name in disabled:
            self.switched_off.add(name)
            self.switched_off.update(BUILDS_ON.get(name, []))
        config = wasmtime.Config()
        self.enabled = {}
        for name, attribute in CONFIG_FLAGS.items():
            if not hasattr(type(config), attribute):  # write-only properties
                continue
            on = name not in self.switched_off
            # As shipped: the version's own defaults (which Config cannot tell), only
            # the switches asked to be off are touched.
            if as_shipped and on:
                continue
            setattr(config, attribute, on)
            self.enabled[name] = on
        if hasattr(type(config), "shared_memory"):
            config.shared_memory = "threads" not in self.switched_off
        # Epoch interruption (wasmtime-py 0.36+): wasm code checks a counter at function
        # entries and loop heads; a timer bumps it at the time limit and the call traps.
        self.epochs = hasattr(type(config), "epoch_interruption")
        if self.epochs:
            config.epoch_interruption = True
        self.engine_ = wasmtime.Engine(config)
        self.watchdog = Watchdog(self.engine_.increment_epoch) if self.epochs else None

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--as-shipped",
            action="store_true",
            help="keep the version's default features instead of switching every one on",
        )

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> WasmtimeHost:
        return cls(options.disable, as_shipped=options.as_shipped)

    def version(self) -> str:
        return package_version("wasmtime")

    def features(self) -> dict[str, bool]:
        return dict(self.enabled)

    def run(
        self,
        module: bytes,
        calls: list[dict],
        wasi: WasiRun | None = None,
        stubbed: bool = False,
    ) -> list[dict]:
        store = wasmtime.Store(self.engine_)
        memory_bytes = self.limits.get("memory_bytes")
        if memory_bytes and hasattr(store, "set_limits"):
            # memory.grow past the limit returns -1, as on a machine out of memory.
            store.set_limits(memory_size=int(memory_bytes))
        seconds = self.limits.get("seconds")
        if not self.epochs:
            return self._run(store, module, calls, wasi, stubbed)
        if not seconds:  # no limit asked: a deadline that never comes (the default is now)
            store.set_epoch_deadline(2**62)
            return self._run(store, module, calls, wasi, stubbed)
        store.set_epoch_deadline(1)
        self.watchdog.arm(seconds * INTERRUPT_AT)
        try:
            return self._run(store, module, calls, wasi, stubbed)
        finally:
            self.watchdog.disarm()  # a bump meant for this run must not land in the next one

    # WASI preview 1 through wasmtime's own implementation (WasiConfig).
    wasi = "native"

    def run_wasi(self, module: bytes, calls: list[dict], wasi: dict) -> tuple[list, dict]:
        with WasiRun(wasi) as run:
            answers = self.run(module, calls, run)
            return answers, run.answer()

    def load(self, module: bytes, calls: list[dict]) -> tuple[int, list[dict]]:
        answers = self.run(module, calls, stubbed=True)
        return self.stubs, answers

    def _run(
        self,
        store: wasmtime.Store,
        module: bytes,
        calls: list[dict],
        wasi: WasiRun | None,
        stubbed: bool = False,
    ) -> list[dict]:
        try:
            # A bytearray: given `bytes` that do not start with a zero byte, wasmtime-py
            # parses them as the text format, and would run a "binary" that is WAT text.
            compiled = wasmtime.Module(self.engine_, bytearray(module))
        except wasmtime.WasmtimeError as error:
            raise Reject("compile", str(error)) from None
        imports = _stubs(store, self.engine_, compiled) if stubbed else []
        self.stubs = len(imports)
        try:
            if wasi is None:
                instance = wasmtime.Instance(store, compiled, imports)
            elif STORELESS_API:
                instance = self._wasi_linker(store, wasi).instantiate(compiled)
            else:
                instance = self._wasi_linker(store, wasi).instantiate(store, compiled)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
            called = stub_called(error)
            if called is not None:
                raise called from None
            raise Reject("instantiate", str(error)) from None
        exports = instance.exports if STORELESS_API else instance.exports(store)
        exact = _exact_calls(store) if self.scripts else None

        def invoke(name: str, args: list[dict]) -> list[dict]:
            function = exports.get(name) if hasattr(exports, "get") else None
            if not isinstance(function, wasmtime.Func):
                raise CallError(f"no exported function named {name!r}")
            function_type = function.type if STORELESS_API else function.type(store)
            params = [str(kind) for kind in function_type.params]
            check_arguments(name, params, args)
            try:
                if exact is not None:  # every value as its bits, through the C API
                    return exact.call(function, args)
                values = [
                    _val(kind, bits_to_python(arg)) for kind, arg in zip(params, args, strict=True)
                ]
                result = function(*values) if STORELESS_API else function(store, *values)
            except StubCalled:
                raise
            except EXIT_TRAP as exited:
                raise CallTrapped(
                    f"the program exited (proc_exit {exit_code_of(exited)})"
                ) from None
            except (wasmtime.Trap, wasmtime.WasmtimeError) as error:
                called = stub_called(error)
                if called is not None:
                    raise called from None
                if isinstance(error, wasmtime.Trap) and _interrupted(error):
                    seconds = float(self.limits.get("seconds") or 0) * INTERRUPT_AT
                    raise Interrupted(
                        f"interrupted by the engine (epoch deadline) in {name} after {seconds:g} s"
                    ) from None
                raise _call_ended(error) from None
            kinds = [str(kind) for kind in function_type.results]
            results = [] if not kinds else ([result] if len(kinds) == 1 else list(result))
            return [python_to_wire(kind, value) for kind, value in zip(kinds, results, strict=True)]

        if wasi is not None:
            self._start(store, exports, wasi)
            if not wasi.finished:  # no calls after a trap or a proc_exit in _initialize
                return []
        return self.call_each(calls, invoke)

    def _start(self, store: wasmtime.Store, exports, wasi: WasiRun) -> None:
        """Run `_start` (a command) or `_initialize` (a reactor, when it has one)."""
        name = "_start" if wasi.start == "command" else "_initialize"
        function = exports.get(name) if hasattr(exports, "get") else None
        if not isinstance(function, wasmtime.Func):
            if wasi.start == "command":
                wasi.trap = "the module exports no _start function"
            else:
                wasi.exit_code = 0
            return
        try:
            function() if STORELESS_API else function(store)
            wasi.exit_code = 0
        except EXIT_TRAP as exited:
            wasi.exit_code = exit_code_of(exited)
            if wasi.start == "reactor":
                wasi.trap = f"_initialize called proc_exit({wasi.exit_code})"
        except wasmtime.Trap as trap:
            if _interrupted(trap):
                seconds = float(self.limits.get("seconds") or 0) * INTERRUPT_AT
                raise Interrupted(
                    f"interrupted by the engine in {name} after {seconds:g} s"
                ) from None
            wasi.trap = f"{name}: {_trap_message(trap)}"
        except wasmtime.WasmtimeError as error:
            wasi.trap = f"{name}: {_error_text(error)}"

    def _wasi_linker(self, store: wasmtime.Store, wasi: WasiRun) -> wasmtime.Linker:
        """A linker with WASI defined: the case's arguments, environment, stdio files and
        preopens, nothing inherited from the host."""
        config = wasmtime.WasiConfig()
        config.argv = wasi.args
        config.env = wasi.env
        config.stdin_file = str(wasi.stdin)
        config.stdout_file = str(wasi.stdout)
        config.stderr_file = str(wasi.stderr)
        for index, preopen in enumerate(wasi.preopens):
            wasi.read_only[index] = _preopen(config, preopen)
        if STORELESS_API:  # wasmtime-py 0.23–0.27: a WasiInstance per store
            linker = wasmtime.Linker(store)
            linker.define_wasi(wasmtime.WasiInstance(store, "wasi_snapshot_preview1", config))
            return linker
        store.set_wasi(config)
        linker = wasmtime.Linker(self.engine_)
        linker.define_wasi()
        return linker

    # Scripts: one store and one linker per script, `spectest` defined in it.
    def script_store(self) -> object:
        from spectest_wasmtime import ScriptStore  # beside this file; needs wasmtime-py 20+

        store = ScriptStore(self.engine_)
        if self.epochs:  # the engine counts epochs; a script's time limit is the runner's
            store.store.set_epoch_deadline(2**62)
        return store

    def script_compile(self, store, module: bytes) -> object:
        try:
            return wasmtime.Module(self.engine_, bytearray(module))  # never read as text
        except wasmtime.WasmtimeError as error:
            raise Reject("compile", _error_text(error)) from None

    def script_instantiate(self, store, compiled) -> object:
        try:
            return store.linker.instantiate(store.store, compiled)
        except wasmtime.Trap as trap:
            raise Reject("instantiate", _trap_message(trap)) from None
        except wasmtime.WasmtimeError as error:
            raise Reject("instantiate", _error_text(error)) from None

    def script_register(self, store, name: str, instance) -> None:
        store.linker.define_instance(store.store, name, instance)

    def script_invoke(self, store, instance, field: str, args: list) -> list:
        function = instance.exports(store.store).get(field)
        if not isinstance(function, wasmtime.Func):
            raise CallError(f"no exported function named {field!r}")
        try:
            return store.call(function, args)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as error:
            raise _call_ended(error) from None

    def script_get(self, store, instance, field: str) -> dict:
        glob = instance.exports(store.store).get(field)
        if not isinstance(glob, wasmtime.Global):
            raise CallError(f"no exported global named {field!r}")
        return store.read_global(glob)


def _exact_calls(store: wasmtime.Store):
    from spectest_wasmtime import ExactCalls  # beside this file; needs wasmtime-py 20+

    return ExactCalls(store)


def _call_ended(error: Exception) -> Exception:
    """What a call that raised became: an uncaught wasm exception, a trap of its kinds, or
    (an API error, not the module's doing) a call that could not be made."""
    text = _trap_message(error) if isinstance(error, wasmtime.Trap) else _error_text(error)
    if "thrown Wasm exception" in text:
        return CallThrew(text)
    if isinstance(error, wasmtime.Trap) or "wasm trap" in str(error):
        return CallTrapped(text, _kinds(error, text))
    return CallError(f"wasmtime refused the call: {text}")


def _kinds(error: Exception, text: str) -> list[str]:
    try:
        code = getattr(error, "trap_code", None)
    except ValueError:  # a code this version's enum does not know
        code = None
    if code is not None and code.name in TRAP_CODES:
        return TRAP_CODES[code.name]
    return trap_kinds(text, SPEC_WORDS)


def _stubs(store: wasmtime.Store, engine: wasmtime.Engine, compiled: wasmtime.Module) -> list:
    """One generated extern per import, made from the import's own type (protocol.md,
    "Load"): functions raise StubCalled, memories, tables and globals are fresh and zero."""
    made = []
    for wanted in compiled.imports:
        where = f"{wanted.module}.{wanted.name}"
        kind = wanted.type
        try:
            made.append(_stub(store, engine, kind, where))
        except CannotStub:
            raise
        except (wasmtime.WasmtimeError, TypeError, ValueError, AttributeError) as error:
            what = type(kind).__name__
            raise CannotStub(f"cannot make the imported {what} {where} here: {error}") from None
    return made


def _stub(store, engine, kind, where: str):
    if isinstance(kind, wasmtime.FuncType):
        return wasmtime.Func(store, kind, stub_function(where))
    if isinstance(kind, wasmtime.MemoryType):
        if getattr(kind, "is_shared", False):
            if not hasattr(wasmtime, "SharedMemory"):
                raise CannotStub(
                    f"wasmtime-py {package_version('wasmtime')} cannot make the "
                    f"shared memory {where}"
                )
            return _SharedMemory(engine, kind)
        return wasmtime.Memory(store, kind)
    if isinstance(kind, wasmtime.TableType):
        return wasmtime.Table(store, kind, None)
    if isinstance(kind, wasmtime.GlobalType):
        return wasmtime.Global(store, kind, _zero(kind.content, where))
    if hasattr(wasmtime, "TagType") and isinstance(kind, wasmtime.TagType):
        return wasmtime.Tag(store, kind)
    raise CannotStub(
        f"wasmtime-py {package_version('wasmtime')} cannot make the imported "
        f"{type(kind).__name__} {where}"
    )


if hasattr(wasmtime, "SharedMemory"):
    from wasmtime import _ffi

    class _SharedMemory(wasmtime.SharedMemory):
        """wasmtime-py's SharedMemory as an import: its own _as_extern (wasmtime-py 50.0.1)
        puts a pointer to its pointer in the extern union, which ctypes refuses
        ("LP_LP_wasmtime_sharedmemory instead of LP_wasmtime_sharedmemory"); the C API
        wants the pointer itself."""

        def _as_extern(self):
            union = _ffi.wasmtime_extern_union(sharedmemory=self.ptr())
            return _ffi.wasmtime_extern_t(_ffi.WASMTIME_EXTERN_SHAREDMEMORY, union)


def _zero(content: wasmtime.ValType, where: str):
    name = str(content)
    if name in VALUE_KINDS:
        return _val(name, 0.0 if name.startswith("f") else 0)
    if name == "funcref":
        return wasmtime.Val.funcref(None)
    if name == "externref":
        return wasmtime.Val.externref(None)
    raise CannotStub(f"cannot make a global of type {name} for {where} with wasmtime-py")


def _error_text(error: Exception) -> str:
    # The cause of a wasmtime error is its first line; a backtrace or context may follow.
    text = str(error)
    if "Caused by:" in text:
        cause = text.split("Caused by:", 1)[1].strip()
        return cause.splitlines()[0].strip() if cause else text
    return text


class Watchdog:
    """One thread that bumps the engine's epoch once an armed deadline has passed.

    It looks every POLL seconds rather than being woken per run: arming and disarming are
    an uncontended lock, so a cell pays microseconds for its time limit (a wake-up per
    cell cost ~0.4 ms, measured by bench/overhead.py). The bump lands up to POLL late.
    """

    POLL = 0.05

    def __init__(self, bump):
        self._bump = bump
        self._deadline: float | None = None
        self._lock = threading.Lock()
        threading.Thread(target=self._watch, daemon=True).start()

    def arm(self, seconds: float) -> None:
        with self._lock:
            self._deadline = time.monotonic() + seconds

    def disarm(self) -> None:
        with self._lock:  # held while bumping: after this, no bump is on its way
            self._deadline = None

    def _watch(self) -> None:
        while True:
            time.sleep(self.POLL)
            with self._lock:
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    self._deadline = None
                    self._bump()


# proc_exit ends a program with this (a Trap in old versions, a WasmtimeError in new ones).
EXIT_TRAP = getattr(wasmtime, "ExitTrap", ())
_PREOPEN_PARAMETERS = inspect.signature(wasmtime.WasiConfig.preopen_dir).parameters


def _preopen(config: wasmtime.WasiConfig, preopen: dict) -> bool:
    """Preopen a folder; True when it is read-only as asked. Read-only needs wasmtime-py
    30+ (DirPerms/FilePerms) or 50+ (fs_mutable); before, every preopen is writable."""
    host, guest, writable = preopen["host"], preopen["guest"], bool(preopen.get("writable"))
    if "fs_mutable" in _PREOPEN_PARAMETERS:
        config.preopen_dir(host, guest, fs_mutable=writable)
        return not writable
    if "dir_perms" in _PREOPEN_PARAMETERS:
        if writable:
            config.preopen_dir(host, guest)
        else:
            config.preopen_dir(
                host, guest, wasmtime.DirPerms.READ_ONLY, wasmtime.FilePerms.READ_ONLY
            )
        return not writable
    config.preopen_dir(host, guest)
    return False


def _interrupted(trap: wasmtime.Trap) -> bool:
    interrupt = getattr(getattr(wasmtime, "TrapCode", None), "INTERRUPT", None)
    code = getattr(trap, "trap_code", None)
    return (interrupt is not None and code == interrupt) or "interrupt" in str(trap).lower()


def _trap_message(trap: wasmtime.Trap) -> str:
    # Wasmtime puts a backtrace before the cause; the cause is what differs between engines.
    text = str(getattr(trap, "message", trap))
    if "Caused by:" in text:
        return text.split("Caused by:", 1)[1].strip()
    # Older versions put the backtrace after the cause instead.
    return text.split("wasm backtrace:", 1)[0].strip()


def _val(kind: str, number: int | float) -> wasmtime.Val:
    return getattr(wasmtime.Val, kind)(number)


if __name__ == "__main__":
    serve(WasmtimeHost)
