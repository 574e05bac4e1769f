"""What every toolchain provides: a name, a version, availability, and `build`."""

from __future__ import annotations

import subprocess
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from ..cases import ModuleSource
from ..debian import UNPACKED, SystemPackages, obtain
from ..paths import cache_dir


class BuildFailed(Exception):
    """The toolchain ran and refused the source; the message is the toolchain's own."""


class ProfileNotExpressible(Exception):
    """This toolchain cannot build with that profile (the cell becomes `skip`)."""


def run_tool(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float, name: str | None = None
) -> subprocess.CompletedProcess:
    """Run one compiler step; its refusal (or a hang, or a missing program) is BuildFailed
    with the tool's own words. `name` is how to call the tool in messages."""
    name = name or Path(argv[0]).name
    try:
        result = subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"{name} did not finish within {timeout:g} s") from None
    except OSError as error:
        raise BuildFailed(f"cannot run {name}: {error}") from None
    if result.returncode:
        message = (result.stderr or result.stdout).strip()
        raise BuildFailed(message or f"{name} exited with {result.returncode}")
    return result


@dataclass(frozen=True)
class BuildOutput:
    module: bytes
    command: str  # how to reproduce this build by hand


class Toolchain(ABC):
    name: str
    format: str  # the ModuleSource format it builds: one language per toolchain
    # What it builds: freestanding modules (no imports, no entry point) and/or WASI programs
    # (sources with an `entry`: command or reactor).
    freestanding: bool = True
    wasi: bool = False
    # Debian packages that provide it (`wasm-matrix toolchains --system` installs them).
    debian_packages: tuple[str, ...] = ()
    # Whether it runs from its Debian packages unpacked into the cache (no root needed).
    unpackable: bool = False

    @abstractmethod
    def version(self) -> str:
        """The exact version, part of every build's cache key."""

    def unavailable_reason(self) -> str | None:
        """None when the toolchain can run here, else why not and how to get it."""
        return None

    def provision(self, system: SystemPackages, log=print) -> None:
        """Get what the toolchain needs; its Debian packages as `system` allows."""
        if self.unavailable_reason() is None or not self.debian_packages:
            return
        if system is SystemPackages.OFF or (
            system is SystemPackages.UNPACK and not self.unpackable
        ):
            return  # stays missing: unavailable_reason says how to get it
        obtain(list(self.debian_packages), self.unpack_root, system, log)

    @property
    def unpack_root(self) -> Path:
        """Where its Debian packages are unpacked when they are not installed."""
        return cache_dir() / "toolchains" / "debian" / self.name

    @property
    def unpacked(self) -> Path | None:
        """The folder of its unpacked Debian packages, if they are unpacked."""
        root = self.unpack_root
        return root if (root / UNPACKED).is_file() else None

    def recipe(self, profile: str) -> str:
        """Whatever else shapes a build's output besides source, version and profile (flags,
        support files, post-processing); part of the cache key, so changing it rebuilds."""
        return ""

    def builds(self, source: ModuleSource) -> bool:
        """Whether this toolchain builds that source (its language and its kind)."""
        if source.format != self.format:
            return False
        return self.wasi if source.entry else self.freestanding

    @abstractmethod
    def build(self, source: ModuleSource, profile: str) -> BuildOutput: ...
