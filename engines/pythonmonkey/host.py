"""wasm-matrix host for SpiderMonkey, in-process through the pythonmonkey package.

pythonmonkey embeds SpiderMonkey in CPython; this host loads the shared JavaScript host
core (../js/core.js) into it and passes each request line to the core's handle(): the
protocol, value conversion and verdicts are the core's, the engine is SpiderMonkey's.
JS-API probes that wait for a promise (JSPI, ESM) are unsupported here: the core is
driven synchronously.
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import version as package_version
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "js"
# The host core (each file adds its part of WasmMatrix), then wasm-matrix's WASI shim (its
# folders, then its calls).
SCRIPTS = ("binary.js", "traps.js", "stubs.js", "core.js", "wasi_tree.js", "wasi_shim.js")


def spidermonkey_version(module_file: str) -> str:
    """SpiderMonkey's version, from the libmozjs the package ships (libmozjs-136a1.so)."""
    for library in sorted(Path(module_file).parent.glob("libmozjs-*.so")):
        return library.name.removeprefix("libmozjs-").removesuffix(".so")
    return "unknown"


def main() -> None:
    # Keep the protocol channel; whatever SpiderMonkey or a module prints goes to stderr.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    import pythonmonkey

    for script in SCRIPTS:
        pythonmonkey.eval((JS / script).read_text("utf-8"))
    identity = {
        "engine": "pythonmonkey",
        "version": package_version("pythonmonkey"),
        "language": "javascript",
        "language_version": f"pythonmonkey {package_version('pythonmonkey')}",
        "engine_version": f"SpiderMonkey {spidermonkey_version(pythonmonkey.__file__)}",
    }
    make = pythonmonkey.eval(
        "(identity, args) => WasmMatrix.createHost("
        "() => JSON.parse(identity), args, WasmMatrixWasiShim.provider(), "
        "{ engine: 'spidermonkey' })"
    )
    host = make(json.dumps(identity), sys.argv[1:])
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = host.handle(line)
        answers.write(str(reply["line"]) + "\n")
        answers.flush()
        if reply["stopped"]:
            return


if __name__ == "__main__":
    main()
