"""What a case says beyond a freestanding module, read with lines for every error: a WASI
program's grants and expectations (`wasi:`, parsed by wasi/spec.py) and one module linked
from objects of two toolchains (`module.link`, built by toolchains/link.py).

cases.py calls these while it builds a Case; errors are CaseErrors naming file, line and
field, as everywhere else in a case.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml

from .case_yaml import CaseError, field_name, line_of
from .wasi.spec import REACTOR, WasiSpec, WasiSpecError, parse_wasi


def wasi_section(path: Path, root: yaml.Node, data: dict) -> WasiSpec | None:
    """The case's `wasi:` section, or None for a freestanding module."""
    if "wasi" not in data:
        return None
    try:
        wasi = parse_wasi(path.parent, data["wasi"])
    except WasiSpecError as error:
        line = line_of(root, error.location)
        raise CaseError(path, line, field_name(error.location), error.message) from None
    if data.get("calls") and wasi.start != REACTOR:
        raise CaseError(
            path,
            line_of(root, ["calls"]),
            "calls",
            "a WASI command runs _start and ends; calls need `start: reactor`",
        )
    return wasi


def linked_content(
    path: Path, root: yaml.Node, parts: list[dict], files: list[tuple[str, str, bytes]]
) -> tuple[bytes, str]:
    """`link:` one C and one Rust file, each with the toolchains that compile it. `files`
    are the parts read from disk, as (name, format, bytes). Returns the content of one
    source that names both (what toolchains/link.py reads) and its origin."""
    if sorted(format for _, format, _ in files) != ["c", "rust"]:
        raise CaseError(
            path, line_of(root, ["module", "link"]), "module.link", "give one .c and one .rs file"
        )
    described = [
        {
            "file": name,
            "format": format,
            "toolchain": part["toolchain"],
            "content": base64.b64encode(content).decode("ascii"),
        }
        for (name, format, content), part in zip(files, parts, strict=True)
    ]
    origin = "+".join(name for name, _, _ in files)
    return json.dumps(described, sort_keys=True).encode("utf-8"), origin
