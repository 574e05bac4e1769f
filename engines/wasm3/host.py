"""wasm-matrix host for wasm3, the interpreter, through the pywasm3 package."""

from __future__ import annotations

import sys
from importlib.metadata import version as package_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import wasm3
from pyhost import (
    CallError,
    CallTrapped,
    Host,
    Reject,
    bits_to_python,
    check_arguments,
    first_line,
    python_to_wire,
    serve,
)
from trapwords import (
    SPEC_WORDS,
    STACK,
    UNDEFINED,
    UNINITIALIZED,
    rules,
    trap_kinds,
)

# wasm3's value type codes (M3ValueType).
KINDS = {1: "i32", 2: "i64", 3: "f32", 4: "f64"}
# The wasm3 command line's default stack size; a call deeper than it traps "stack overflow".
STACK_BYTES = 64 * 1024
LOOKUP_FAILED = "function lookup failed"
TRAP = "[trap] "  # how wasm3 begins a trap's message; anything else is not a trap
# wasm3's own words for some traps, before the spec's.
TRAP_RULES = (
    rules(
        (r"stack overflow", [STACK]),
        (r"undefined element", [UNDEFINED, UNINITIALIZED]),  # it says so of null entries too
    )
    + SPEC_WORDS
)


class Wasm3Host(Host):
    engine = "wasm3"

    def __init__(self, disabled: list[str]):
        super().__init__(disabled)
        self.environment = wasm3.Environment()

    def version(self) -> str:
        return package_version("pywasm3")

    def run(self, module: bytes, calls: list[dict]) -> list[dict]:
        try:
            parsed = self.environment.parse_module(module)
        except RuntimeError as error:
            raise Reject("compile", first_line(str(error))) from None
        runtime = self.environment.new_runtime(STACK_BYTES)
        try:
            runtime.load(parsed)  # links, initialises memory and tables, runs start
        except RuntimeError as error:
            raise Reject("instantiate", first_line(str(error))) from None
        # wasm3 compiles a function when it is first looked up: look up every function the
        # calls need before making any, so that a compile error rejects the module.
        functions: dict[str, object] = {}
        for name in dict.fromkeys(call["invoke"] for call in calls):
            try:
                functions[name] = runtime.find_function(name)
            except RuntimeError as error:
                if not str(error).startswith(LOOKUP_FAILED):
                    raise Reject("compile", first_line(str(error))) from None

        def invoke(name: str, args: list[dict]) -> list[dict]:
            function = functions.get(name)
            if function is None:
                raise CallError(f"no exported function named {name!r}")
            params = [_kind(code) for code in function.arg_types]
            kinds = [_kind(code) for code in function.ret_types]
            check_arguments(name, params, args)
            values = [bits_to_python(arg) for arg in args]
            try:
                result = function(*values)
            except RuntimeError as error:
                text = first_line(str(error))
                if text.startswith(TRAP):
                    raise CallTrapped(text, trap_kinds(text, TRAP_RULES)) from None
                # wasm3 compiles each function when first called: a callee it cannot
                # compile is the module refused, late, not a trap.
                raise Reject("compile", f"when called: {text}") from None
            results = [] if not kinds else ([result] if len(kinds) == 1 else list(result))
            return [python_to_wire(kind, value) for kind, value in zip(kinds, results, strict=True)]

        return self.call_each(calls, invoke)


def _kind(code: int) -> str:
    if code not in KINDS:
        raise CallError(f"wasm3 host cannot pass values of type code {code}")
    return KINDS[code]


if __name__ == "__main__":
    serve(Wasm3Host)
