"""Debian packages for a program that is to run from the cache, without root.

As root, a program's Debian packages are installed (apt-get install). Without root they
are fetched and unpacked into a cache folder (apt-get download, dpkg-deb -x), and the
program runs from there. Unpacking a package alone is not enough on a fresh machine: its
libraries need theirs. `missing` asks apt's own resolver (a simulated install, which
needs no root) which packages the machine lacks for a set, so exactly those are unpacked;
`unpacked_environment` is what a program run from such a folder needs (PATH, the library
path with every folder that holds shared objects, GObject typelibs).

Measured (docs/engines.md): clang/lld, wabt, jsc, gjs, chromium and firefox-esr all run
unpacked for a non-root user.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

# `Inst libllvm19 (1:19.1.7-3~deb12u1 Debian:12.15/oldstable [amd64])`; an upgrade says
# `Inst name [old version] (new version …)`.
_INST = re.compile(r"^Inst (\S+)(?: \[[^\]]*\])? \((\S+) ")
RESOLVE_TIMEOUT = 300  # seconds: apt reads its package lists


class DebianError(Exception):
    pass


def available() -> bool:
    """Whether this machine has Debian's package tools (apt-get and dpkg-deb)."""
    return shutil.which("apt-get") is not None and shutil.which("dpkg-deb") is not None


def missing(packages: list[str], status: Path | None = None) -> list[tuple[str, str]]:
    """(name, version) of every package that installing `packages` would add here (the
    packages and each dependency the machine lacks; no recommends), in apt's order.
    `status` is a dpkg status file to resolve against instead of this machine's."""
    command = ["apt-get", "-s", "-q", "install", "--no-install-recommends", *packages]
    if status is not None:
        command[1:1] = ["-o", f"Dir::State::status={status}"]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=RESOLVE_TIMEOUT,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise DebianError(f"apt-get cannot resolve {' '.join(packages)}: {error}") from None
    if done.returncode:
        tail = "\n".join(done.stderr.strip().splitlines()[-4:])
        raise DebianError(f"apt-get cannot resolve {' '.join(packages)}:\n{tail}")
    return [(m[1], m[2]) for line in done.stdout.splitlines() if (m := _INST.match(line))]


def library_folders(root: Path) -> list[Path]:
    """Every folder under `root` that holds a shared object, the usual ones first (a
    library may load another from a folder of its own, e.g. pulseaudio/)."""
    usual = [root / "usr/lib/x86_64-linux-gnu", root / "lib/x86_64-linux-gnu", root / "usr/lib"]
    found = {path.parent for path in root.rglob("*.so*") if path.is_file()}
    first = [folder for folder in usual if folder in found]
    return first + sorted(found - set(first))


def unpacked_environment(root: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a program run from `root` (the packages unpacked there):
    its programs first on PATH, its libraries first on the library path, its typelibs."""
    base = dict(os.environ if base is None else base)

    def prepend(name: str, folders: list[Path]) -> None:
        parts = [str(folder) for folder in folders if folder.is_dir()]
        if base.get(name):
            parts.append(base[name])
        if parts:
            base[name] = os.pathsep.join(parts)

    prepend("PATH", [root / "usr/bin", root / "bin"])
    prepend("LD_LIBRARY_PATH", library_folders(root))
    prepend("GI_TYPELIB_PATH", [root / "usr/lib/x86_64-linux-gnu/girepository-1.0"])
    return base
