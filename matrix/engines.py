"""Engine builds: a family at one version with one configuration, read from manifests.

Each engine family has a folder in `engines/` with a `manifest.yaml` (how to provision each
version, how to start its host, which features it can switch off, which builds the matrix
measures, and the family's facts: its homepage, its cost per cell, its names in other
tables, what it can express, the largest module it takes) and usually a host program.
Core modules read those facts from here, never from a table of their own: adding a family
is adding a folder. An engine build's id reads `wasmtime-48.0.0` or
`wasmtime-48.0.0[-reference-types]`. docs/engines.md describes the manifest.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from .paths import engines_dir
from .profiles import FEATURES_BY_NAME

PROVISION_KINDS = ("pip", "npm", "system")
# libyaml's safe loader where PyYAML has it: every process of a run reads every manifest,
# and PyYAML's own parser took 0.3 s of processor time for them.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LABEL = re.compile(r"^[a-z][a-z0-9-]*$")
DEFAULT_COST_MS = 10.0  # a family whose manifest names no cost_ms
# Value kinds a host can pass to a module and read back (manifest `expresses: values`).
VALUE_KINDS = ("i32", "i64", "f32", "f64", "v128", "funcref", "externref", "anyref", "exnref")
NUMBERS = ("i32", "i64", "f32", "f64")
CATEGORIES = ("Standalone Runtimes", "Web Browsers")  # webassembly.org's table's kinds
DEFAULT_START = {
    "pip": ("{python}", "{host}"),
    "npm": ("node", "{flags}", "{host}"),
    "system": ("{command}", "{flags}", "{host}"),
}


class ManifestError(Exception):
    pass


@dataclass(frozen=True)
class Provision:
    """How to get one version of a family."""

    kind: str  # pip | npm | system
    packages: tuple[str, ...] = ()  # templates with {version}; Debian names for system
    python: str | None = None  # pip: the interpreter version the venv is made from
    command: str | None = None  # system (and npm, optionally): a program that must be on PATH
    system_packages: tuple[str, ...] = ()  # npm: the Debian packages that give `command`
    # npm: files in the environment that must be executable (packages whose tarball lost
    # the mode bits their own installer would have set)
    executables: tuple[str, ...] = ()
    # The program inside its unpacked Debian packages when it is not `usr/bin/<command>`
    # (Chromium's usr/bin/chromium is a script that runs /usr/lib/chromium/chromium).
    unpacked_command: str | None = None

    def requirements(self, version: str) -> list[str]:
        return [template.format(version=version) for template in self.packages]


@dataclass(frozen=True)
class Tables:
    """Where the family appears in other projects' support tables (manifest `tables`)."""

    webassembly_org: str | None = None  # its column in webassembly.org's features.json
    mdn: str | None = None  # its browser id in MDN's browser-compat-data
    category: str = CATEGORIES[0]  # its kind in webassembly.org's table
    # Features the host switches on although the engine has them off by default: a pass
    # there before the table's version means "works when switched on".
    switched_on: frozenset[str] = frozenset()
    not_compared: str = ""  # why the family has no column to compare with


@dataclass(frozen=True)
class SizeLimit:
    """The largest module the family is given (manifest `limits: {module_bytes, why}`)."""

    module_bytes: int | None = None  # None: no limit
    why: str = ""  # measured or documented: why a larger module is not tried

    def refuses(self, size: int, engine: str) -> str | None:
        """Why a module of `size` bytes is not given to `engine` (a build of the family),
        or None when it is."""
        if self.module_bytes is None or size <= self.module_bytes:
            return None
        return (
            f"the module is {size / 2**20:.1f} MiB; {engine} takes modules up to "
            f"{self.module_bytes / 2**20:.1f} MiB ({self.why})"
        )


@dataclass(frozen=True)
class EngineFamily:
    name: str
    title: str
    folder: Path
    host: str | None  # the host program, relative to the folder
    provision: Provision
    start: tuple[str, ...]  # the command that starts a host (placeholders expanded later)
    # feature → engine flags that switch it off ([] when the host does it from --disable)
    switchable: dict[str, tuple[str, ...]] = field(default_factory=dict)
    validator_only: bool = False  # can say valid/invalid, never executes
    values: tuple[str, ...] = NUMBERS  # value kinds its host passes and reads back
    # WASI preview 1: "native" (the engine's own), "shim" (wasm-matrix's JS shim), or None
    # with `wasi_missing` saying why the family has none (manifest `expresses: wasi`).
    wasi: str | None = None
    wasi_missing: str = ""
    homepage: str | None = None
    cost_ms: float = DEFAULT_COST_MS  # typical milliseconds per cell (the shard cost model)
    tables: Tables = field(default_factory=Tables)
    limits: SizeLimit = field(default_factory=SizeLimit)  # the largest module it is given
    # A case's time limit is multiplied by this on the family's builds: a pure-Python
    # interpreter needs seconds where a compiler needs milliseconds, and a slow pass is no
    # `timeout`.
    timeout_factor: float = 1.0

    @property
    def host_path(self) -> Path | None:
        return (self.folder / self.host).resolve() if self.host else None


@dataclass(frozen=True)
class EngineBuild:
    family: EngineFamily
    version: str
    disabled: tuple[str, ...] = ()
    label: str | None = None  # names a configuration whose list of switches is long
    extra_flags: tuple[str, ...] = ()  # engine flags beyond `disabled`'s (a series' flags)
    extra_arguments: tuple[str, ...] = ()  # host arguments beyond `disabled`'s

    @property
    def id(self) -> str:
        base = f"{self.family.name}-{self.version}"
        if self.label:
            return f"{base}[{self.label}]"
        if not self.disabled:
            return base
        return f"{base}[{','.join('-' + name for name in self.disabled)}]"

    @property
    def environment_key(self) -> str:
        """Builds that differ only in configuration share one environment."""
        return f"{self.family.name}-{self.version}"

    @property
    def engine_flags(self) -> list[str]:
        flags = [flag for name in self.disabled for flag in self.family.switchable[name]]
        return flags + list(self.extra_flags)

    @property
    def host_arguments(self) -> list[str]:
        arguments = [argument for name in self.disabled for argument in ("--disable", name)]
        return arguments + list(self.extra_arguments)


def load_engine_builds(folder: Path | None = None) -> list[EngineBuild]:
    """Every engine build named by the manifests, in manifest order."""
    folder = folder or engines_dir()
    builds: list[EngineBuild] = []
    for manifest in sorted(folder.glob("*/manifest.yaml")):
        builds.extend(read_manifest(manifest))
    return builds


def families(builds: list[EngineBuild]) -> list[str]:
    return list(dict.fromkeys(build.family.name for build in builds))


@cache
def families_by_name() -> dict[str, EngineFamily]:
    """Every family of the shipped manifests by name, read once per process: how modules
    that see only a family's name (in results) find its facts."""
    return {build.family.name: build.family for build in load_engine_builds()}


def family_facts(name: str) -> EngineFamily | None:
    """The named family's facts, or None for a family no manifest here describes."""
    return families_by_name().get(name)


NEWEST = "@newest"  # `wasmtime@newest`: a family's newest build with nothing switched off


def select(builds: list[EngineBuild], patterns: list[str] | None) -> list[EngineBuild]:
    """Builds matching any pattern: an id or glob over ids (`node-*`), a family name, or
    `FAMILY@newest` (that family's highest numbered version among `builds`, fully on)."""
    if not patterns:
        return builds
    newest = {_newest(builds, p.removesuffix(NEWEST)) for p in patterns if p.endswith(NEWEST)}
    return [b for b in builds if b.id in newest or any(_matches(b, p) for p in patterns)]


def _newest(builds: list[EngineBuild], family: str) -> str | None:
    """The id of `family`'s newest full build among `builds` (None: it has none)."""
    full = [b for b in builds if b.family.name == family and not b.disabled and not b.label]
    numbered = [b for b in full if _version_key(b.version)] or full
    newest = max(numbered, key=lambda b: _version_key(b.version), default=None)
    return newest.id if newest else None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _matches(build: EngineBuild, pattern: str) -> bool:
    if pattern in (build.id, build.family.name):
        return True
    # Engine ids contain '[', which fnmatch reads as a character class: escape it.
    return fnmatch.fnmatchcase(build.id, pattern.replace("[", "[[]"))


def read_manifest(path: Path) -> list[EngineBuild]:
    try:
        data = yaml.load(path.read_text("utf-8"), Loader=_SafeLoader)
        family = family_from_manifest(path, data)
        builds = []
        for entry in data["builds"]:
            disabled = tuple(entry.get("disable", []))
            for name in disabled:
                if name not in FEATURES_BY_NAME or name not in family.switchable:
                    raise ManifestError(f"{path}: {family.name} cannot switch off {name!r}")
            label = entry.get("label")
            if label is not None and not _LABEL.match(str(label)):
                raise ManifestError(f"{path}: a build label is a short word such as 'mvp'")
            builds.append(EngineBuild(family, str(entry["version"]), disabled, label))
        return builds
    except (KeyError, TypeError, AttributeError, yaml.YAMLError) as error:
        raise ManifestError(f"{path}: bad engine manifest: {error!r}") from None


def family_from_manifest(path: Path, data: dict) -> EngineFamily:
    provision_data = data.get("provision", {})
    kind = provision_data.get("kind", "pip")
    if kind not in PROVISION_KINDS:
        raise ManifestError(f"{path}: provision kind must be one of {PROVISION_KINDS}")
    provision = Provision(
        kind=kind,
        packages=tuple(provision_data.get("packages", [])),
        python=provision_data.get("python"),
        command=provision_data.get("command"),
        system_packages=tuple(provision_data.get("system_packages", [])),
        executables=tuple(provision_data.get("executables", [])),
        unpacked_command=provision_data.get("unpacked_command"),
    )
    switchable = data.get("switchable", {})
    if isinstance(switchable, list):  # a plain list: the host switches them itself
        switchable = {name: [] for name in switchable}
    expresses = data.get("expresses", {})
    values = tuple(expresses.get("values", NUMBERS))
    unknown = [value for value in values if value not in VALUE_KINDS]
    if unknown:
        raise ManifestError(f"{path}: expresses: values: unknown kinds {unknown}")
    cost = data.get("cost_ms", DEFAULT_COST_MS)
    if not isinstance(cost, int | float) or cost <= 0:
        raise ManifestError(f"{path}: cost_ms must be a positive number of milliseconds")
    return EngineFamily(
        name=data["family"],
        title=data.get("title", data["family"]),
        folder=path.parent,
        host=data.get("host"),
        provision=provision,
        start=tuple(data.get("start", DEFAULT_START[kind])),
        switchable={name: tuple(flags or ()) for name, flags in switchable.items()},
        validator_only=bool(expresses.get("validator_only", False)),
        values=values,
        **_wasi(path, expresses.get("wasi")),
        homepage=data.get("homepage"),
        cost_ms=float(cost),
        timeout_factor=_positive(path, data.get("timeout_factor", 1.0), "timeout_factor"),
        tables=_tables(path, data.get("tables", {})),
        limits=_limits(path, data.get("limits", {})),
    )


def _tables(path: Path, data: dict) -> Tables:
    category = data.get("category", CATEGORIES[0])
    if category not in CATEGORIES:
        raise ManifestError(f"{path}: tables: category must be one of {CATEGORIES}")
    switched_on = frozenset(data.get("switched_on", []))
    unknown = sorted(switched_on - set(FEATURES_BY_NAME))
    if unknown:
        raise ManifestError(f"{path}: tables: switched_on names unknown features {unknown}")
    return Tables(
        webassembly_org=data.get("webassembly_org"),
        mdn=data.get("mdn"),
        category=category,
        switched_on=switched_on,
        not_compared=str(data.get("not_compared", "")),
    )


def _wasi(path: Path, value: object) -> dict:
    """`expresses: wasi:` native, shim, or {missing: why} (absent: no WASI)."""
    if value in ("native", "shim"):
        return {"wasi": value}
    if value is None:
        return {"wasi_missing": "no WASI in this engine family's host"}
    if isinstance(value, dict) and isinstance(value.get("missing"), str):
        return {"wasi_missing": value["missing"]}
    raise ManifestError(f"{path}: expresses: wasi is native, shim, or {{missing: why}}")


def _limits(path: Path, data: dict) -> SizeLimit:
    size = data.get("module_bytes")
    if size is None:
        return SizeLimit()
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ManifestError(f"{path}: limits: module_bytes is a positive number of bytes")
    why = str(data.get("why", "")).strip()
    if not why:
        raise ManifestError(f"{path}: limits: module_bytes needs its why (measured or documented)")
    return SizeLimit(size, why)


def _positive(path: Path, value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ManifestError(f"{path}: {name} must be a positive number, not {value!r}")
    return float(value)
