"""wasm2c's side of the C: reading the header wasm2c writes for a module (its imports and
exported functions) and writing the driver that instantiates it and makes the calls."""

from __future__ import annotations

import re
from dataclasses import dataclass

from linking import Link

# C types of the generated header -> wasm value types the driver can pass and print.
C_TYPES = {"u32": "i32", "u64": "i64", "f32": "f32", "f64": "f64"}
# wasm2c names a multi-value result `struct wasm_multi_<letters>`, one letter per value.
MULTI_LETTERS = {"i": "i32", "j": "i64", "f": "f32", "d": "f64"}
BIT_TYPES = {"i32": "u32", "i64": "u64", "f32": "u32", "f64": "u64"}
EXPORT = re.compile(r"^/\* export: '(.*)' \*/\n(.+?);$", re.MULTILINE)
IMPORT = re.compile(r"^/\* import: '(.*)' '(.*)' \*/$", re.MULTILINE)
PROTOTYPE = re.compile(r"^(.+?)\s*\b(w2c_m_\w+)\((.*)\)$")


@dataclass(frozen=True)
class Export:
    symbol: str  # the C function wasm2c wrote for it
    params: tuple[str, ...]  # wasm types, or the C type where the driver cannot carry one
    results: tuple[str, ...]


def read_header(header: str) -> tuple[list[str], dict[str, Export]]:
    """The module's imports (`module.name`) and its exported functions, from wasm2c's own
    header: each declaration follows an `/* export: 'name' */` comment."""
    imports = [f"{module}.{name}" for module, name in IMPORT.findall(header)]
    exports = {}
    for name, declaration in EXPORT.findall(header):
        match = PROTOTYPE.match(declaration.strip())
        if match is None or "(*" in declaration:
            continue  # a memory, table or global: not callable
        returned, symbol, parameters = match.groups()
        params = tuple(C_TYPES.get(p.strip(), p.strip()) for p in parameters.split(",")[1:])
        exports[name] = Export(symbol, params, _results(returned.strip()))
    return imports, exports


def _results(returned: str) -> tuple[str, ...]:
    if returned == "void":
        return ()
    if returned in C_TYPES:
        return (C_TYPES[returned],)
    multi = re.fullmatch(r"struct wasm_multi_(\w+)", returned)
    if multi and all(letter in MULTI_LETTERS for letter in multi.group(1)):
        return tuple(MULTI_LETTERS[letter] for letter in multi.group(1))
    return (returned,)


def driver(
    exports: dict[str, Export], calls: list[dict], plan: list[str | None], link: Link | None = None
) -> str:
    """C that instantiates module `m` (with its providers' stubs: linking.py) and makes
    each call that can be made, one result line per call: `K return BITS…`, `K trap
    MESSAGE`; `instantiate trap MESSAGE` first if instantiation itself traps (a start
    function, a segment out of bounds); `stub N` before a trap a stub made."""
    lines = [
        '#include "m.h"',
        *(f'#include "{header}"' for header in (link.headers if link else ())),
        '#include "wasm-rt-exceptions.h"',
        '#include "wasm-rt-impl.h"',
        "#include <inttypes.h>",
        "#include <stdio.h>",
        "#include <string.h>",
        "static f32 f32_bits(u32 b) { f32 x; memcpy(&x, &b, 4); return x; }",
        "static f64 f64_bits(u64 b) { f64 x; memcpy(&x, &b, 8); return x; }",
        "static u32 bits_f32(f32 x) { u32 b; memcpy(&b, &x, 4); return b; }",
        "static u64 bits_f64(f64 x) { u64 b; memcpy(&b, &x, 8); return b; }",
        link.definitions if link else "",
        "int main(void) {",
        "  static w2c_m instance;",
        "  wasm_rt_init();",
        "  setvbuf(stdout, NULL, _IOLBF, 0);",
        "  wasm_rt_trap_t code = wasm_rt_impl_try();",
        '  if (code) { printf("instantiate trap %s\\n", wasm_rt_strerror(code)); return 0; }',
        *(link.setup if link else ()),
        link.instantiate if link else "  wasm2c_m_instantiate(&instance);",
    ]
    for index, (call, problem) in enumerate(zip(calls, plan, strict=True)):
        if problem is not None:
            continue
        export = exports[call["invoke"]]
        args = ["&instance"] + [
            _argument(kind, int(arg["value"]))
            for kind, arg in zip(export.params, call.get("args", []), strict=True)
        ]
        invocation = f"{export.symbol}({', '.join(args)})"
        lines += [
            "  code = wasm_rt_impl_try();",
            f'  if (code) {{ printf("{index} trap %s\\n", wasm_rt_strerror(code)); }} else {{',
        ]
        lines += ["    " + line for line in _print_result(index, export.results, invocation)]
        lines.append("  }")
    lines += ["  return 0;", "}", ""]
    return "\n".join(lines)


def _argument(kind: str, bits: int) -> str:
    if kind == "i32":
        return f"(u32){bits}u"
    if kind == "i64":
        return f"(u64){bits}ull"
    if kind == "f32":
        return f"f32_bits({bits}u)"
    return f"f64_bits({bits}ull)"


def _print_result(index: int, results: tuple[str, ...], invocation: str) -> list[str]:
    if not results:
        return [f"{invocation};", f'printf("{index} return\\n");']
    if len(results) == 1:
        fields = [(results[0], "r")]
        declare = f"{_c_type(results[0])} r = {invocation};"
    else:
        letters = {kind: letter for letter, kind in MULTI_LETTERS.items()}
        name = "struct wasm_multi_" + "".join(letters[kind] for kind in results)
        declare = f"{name} r = {invocation};"
        fields = [(kind, f"r.{letters[kind]}{n}") for n, kind in enumerate(results)]
    formats = " ".join('%" PRIu32 "' if BIT_TYPES[k] == "u32" else '%" PRIu64 "' for k, _ in fields)
    values = ", ".join(_bits(kind, value) for kind, value in fields)
    return [declare, f'printf("{index} return {formats}\\n", {values});']


def _c_type(kind: str) -> str:
    return {"i32": "u32", "i64": "u64", "f32": "f32", "f64": "f64"}[kind]


def _bits(kind: str, value: str) -> str:
    if kind == "f32":
        return f"bits_f32({value})"
    if kind == "f64":
        return f"bits_f64({value})"
    return value
