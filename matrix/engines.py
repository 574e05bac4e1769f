"""Engine builds: a family at one version with one configuration, read from manifests.

Each engine family has a folder in `engines/` with a `manifest.yaml` (how to provision each
version, which features it can switch off, which builds the matrix measures) and a host
program. An engine build's id reads `wasmtime-48.0.0` or `wasmtime-48.0.0[-reference-types]`.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import yaml

from .paths import engines_dir
from .profiles import FEATURES_BY_NAME


class ManifestError(Exception):
    pass


@dataclass(frozen=True)
class EngineFamily:
    name: str
    title: str
    folder: Path
    host: str  # program file in the folder
    pip: tuple[str, ...]  # requirement templates with {version}
    switchable: tuple[str, ...]


@dataclass(frozen=True)
class EngineBuild:
    family: EngineFamily
    version: str
    disabled: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        base = f"{self.family.name}-{self.version}"
        if not self.disabled:
            return base
        return f"{base}[{','.join('-' + name for name in self.disabled)}]"

    @property
    def host_arguments(self) -> list[str]:
        return [argument for name in self.disabled for argument in ("--disable", name)]


def load_engine_builds(folder: Path | None = None) -> list[EngineBuild]:
    """Every engine build named by the manifests, in manifest order."""
    folder = folder or engines_dir()
    builds: list[EngineBuild] = []
    for manifest in sorted(folder.glob("*/manifest.yaml")):
        builds.extend(_read_manifest(manifest))
    return builds


def select(builds: list[EngineBuild], patterns: list[str] | None) -> list[EngineBuild]:
    """Builds whose id matches any of the glob patterns (all builds when none are given)."""
    if not patterns:
        return builds
    chosen = [b for b in builds if any(_matches(b.id, pattern) for pattern in patterns)]
    return chosen


def _matches(engine_id: str, pattern: str) -> bool:
    # Engine ids contain '[', which fnmatch reads as a character class: escape it.
    escaped = pattern.replace("[", "[[]")
    return engine_id == pattern or fnmatch.fnmatchcase(engine_id, escaped)


def _read_manifest(path: Path) -> list[EngineBuild]:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        family = EngineFamily(
            name=data["family"],
            title=data.get("title", data["family"]),
            folder=path.parent,
            host=data["host"],
            pip=tuple(data.get("provision", {}).get("pip", [])),
            switchable=tuple(data.get("switchable", [])),
        )
        builds = []
        for entry in data["builds"]:
            disabled = tuple(entry.get("disable", []))
            for name in disabled:
                if name not in FEATURES_BY_NAME or name not in family.switchable:
                    raise ManifestError(f"{path}: {family.name} cannot switch off {name!r}")
            builds.append(EngineBuild(family, str(entry["version"]), disabled))
        return builds
    except (KeyError, TypeError, yaml.YAMLError) as error:
        raise ManifestError(f"{path}: bad engine manifest: {error!r}") from None
