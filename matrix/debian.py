"""Debian packages for a program: installed as root, unpacked into the cache without root.

`SystemPackages` is what a run may do about a program's missing Debian packages: as root
install them (apt-get install), without root fetch and unpack them into a cache folder
(apt-get download, dpkg-deb -x) and run the program from there, or nothing at all (the
`--no-system-packages` option, or a machine without apt). `obtain` does it.

Unpacking a package alone is not enough on a fresh machine: its libraries need theirs.
`missing` asks apt's own resolver (a simulated install, which needs no root) which
packages the machine lacks for a set, so exactly those are unpacked; `unpacked_environment`
is what a program run from such a folder needs (PATH, the library path with every folder
that holds shared objects, GObject typelibs).

Measured (docs/engines.md): clang/lld, wabt, jsc, gjs, chromium and firefox-esr all run
unpacked for a non-root user.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from enum import Enum
from pathlib import Path

from .install import ProvisionError, apt_install, apt_unpack, apt_update, locked

# `Inst libllvm19 (1:19.1.7-3~deb12u1 Debian:12.15/oldstable [amd64])`; an upgrade says
# `Inst name [old version] (new version …)`.
_INST = re.compile(r"^Inst (\S+)(?: \[[^\]]*\])? \((\S+) ")
RESOLVE_TIMEOUT = 300  # seconds: apt reads its package lists


UNPACKED = "unpacked.json"  # in an unpacked folder: which packages it holds, once complete


class DebianError(ProvisionError):
    pass


class SystemPackages(Enum):
    """What a run may do about missing Debian packages."""

    INSTALL = "install"  # apt-get install (root)
    UNPACK = "unpack"  # apt-get download + dpkg-deb -x into the cache (no root needed)
    OFF = "off"  # nothing: the program's cells are skipped, with the command that gets it

    @classmethod
    def here(cls, allowed: bool = True) -> SystemPackages:
        """What this machine and user can do: install as root, else unpack."""
        if not allowed or not available():
            return cls.OFF
        return cls.INSTALL if os.geteuid() == 0 else cls.UNPACK


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


def install_command(packages: list[str] | tuple[str, ...]) -> str:
    return f"apt-get install {' '.join(packages)}"


def obtain(packages: list[str], root: Path, mode: SystemPackages, log=print) -> Path | None:
    """Make `packages` usable here: None when the system has them (already, or installed
    now as root), else the folder they are unpacked in (`root`, reused when it holds
    them already). A ProvisionError says why not, with the command that gets them."""
    if _unpacked(root) == sorted(packages):
        return root
    if mode is SystemPackages.OFF:
        raise ProvisionError(f"not installed; get it with: {install_command(packages)}")
    if mode is SystemPackages.INSTALL:
        if _lacking_as_root(packages):
            apt_install(packages, log)
        return None
    lacking = missing(packages)
    if not lacking:
        return None
    root.parent.mkdir(parents=True, exist_ok=True)
    with locked(root.with_name(root.name + ".lock")):
        if _unpacked(root) != sorted(packages):  # another process may have done it
            apt_unpack([f"{name}={version}" for name, version in lacking], root, log)
            (root / UNPACKED).write_text(json.dumps({"packages": sorted(packages)}), "utf-8")
    return root


def install_all(packages: list[str], log=print) -> None:
    """As root, install every package of a run that the machine lacks in one apt-get
    call, saying which first (the per-program `obtain` calls then find them there)."""
    lacking = _lacking_as_root(sorted(set(packages)))
    if lacking:
        names = [name for name, _version in lacking]
        log(f"installing {len(names)} Debian packages: {' '.join(names)}")
        apt_install(sorted(set(packages)), log)


def _lacking_as_root(packages: list[str]) -> list[tuple[str, str]]:
    """What installing `packages` would add; the package lists are refreshed first only
    when they cannot say (none yet, or a package they do not know)."""
    if not packages:
        return []
    try:
        return missing(packages)
    except DebianError:
        apt_update()
        return missing(packages)


def _unpacked(root: Path) -> list[str] | None:
    try:
        return json.loads((root / UNPACKED).read_text("utf-8"))["packages"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def program(root: Path, name: str) -> Path | None:
    """The program `name` as unpacked in `root` (usr/bin, bin), or None. A link to an
    absolute path (as some packages have) is followed inside `root`; relative links are
    kept as they are (a multi-call program such as lld reads the name it is called by)."""
    for folder in ("usr/bin", "bin", "usr/sbin"):
        path = found = root / folder / name
        for _ in range(8):  # links to links, within reason
            if not found.is_symlink():
                break
            target = Path(os.readlink(found))
            if target.is_absolute():
                found = path = root / target.relative_to("/")
            else:
                found = found.parent / target
        if found.is_file() and os.access(found, os.X_OK):
            return path
    return None
