"""Case files: load, validate and describe the YAML cases under `cases/`.

Every error names the file, the line and the field, and one bad case never stops the
others from loading: `load_cases` returns the good cases and the errors side by side.
The JSON Schema in `schemas/case.schema.json` is the single description of the format,
used both here and by editors.
"""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from .case_targets import linked_content, wasi_section
from .case_yaml import CaseError, check_schema, compose, construct, field_name, line_of
from .packages import PackageModule
from .paths import display_path
from .profiles import DEFAULT_PROFILE
from .traps import KINDS, kind_of
from .values import Exact, Nan, Value, ValueSyntaxError, parse_expected, parse_value
from .wasi.spec import WasiSpec

CASE_SUFFIXES = (".yaml", ".yml")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")  # as the schema's `name` pattern
DEFAULT_TIMEOUT = 20.0  # seconds a cell may take


@dataclass(frozen=True)
class ModuleSource:
    """Where a case's module comes from: `wat` text, `binary` bytes, a program in a
    language, or a `prebuilt` module made by the project's own build step."""

    format: str  # "wat" | "binary" | "c" | "rust" | "zig" | "prebuilt" | "package"
    content: bytes
    origin: str  # "inline", the file name beside the case, or the built file's path
    # "" for a freestanding module; "command" or "reactor" for a WASI program (a case with
    # `wasi:`), which only WASI toolchains build.
    entry: str = ""


@dataclass(frozen=True)
class Call:
    invoke: str
    args: tuple[Value, ...]
    expect: tuple[Exact | Nan, ...] | None  # None when the call must trap
    trap: str | None  # the kind of trap it must be (matrix/traps.py), as the case words it
    line: int | None = None


@dataclass(frozen=True)
class Case:
    path: Path
    name: str
    kind: str
    description: str
    features: tuple[str, ...]
    sources: tuple[ModuleSource, ...]  # one per format: the same program in each language
    valid: bool
    profiles: tuple[str, ...]
    toolchains: tuple[str, ...]  # patterns; empty: every toolchain for the case's languages
    timeout: float
    tags: tuple[str, ...]
    calls: tuple[Call, ...] = field(default_factory=tuple)
    # Engines whose non-pass fails a cell (ids, globs, families); empty: the case says none.
    requires: tuple[str, ...] = ()
    # The engines it runs on unless the run names its own (ids, globs, families,
    # FAMILY@newest); empty: every engine of the run.
    engines: tuple[str, ...] = ()
    module_pattern: str = ""  # `module: PATH-OR-GLOB` of built files, as written
    # A JS-API probe: the body of a JavaScript function (WebAssembly, bytes, host) whose
    # returned functions the calls call; only JavaScript hosts run it (docs/cases.md).
    js: str | None = None
    wasi: WasiSpec | None = None  # a WASI program: what it gets and must give (wasi/spec.py)
    variant: str = ""  # the one built file of a glob this case stands for (see variants)
    control: bool = False  # deliberately wrong expectations: no engine may pass it

    @property
    def module(self) -> ModuleSource:
        """The first (for most cases the only) source."""
        return self.sources[0]

    def source_for(self, format: str) -> ModuleSource:
        return next(source for source in self.sources if source.format == format)

    def variants(self) -> list[Case]:
        """The case once per module. A `module:` glob gives one case per built file, named
        `name[file.wasm]`, so that each file has cells (and results) of its own."""
        if self.variant or not glob.has_magic(self.module_pattern):
            return [self]
        names = [Path(source.origin).name for source in self.sources]
        if len(set(names)) < len(names):  # `**/x.wasm` in two folders: the paths tell apart
            names = [source.origin for source in self.sources]
        return [
            replace(self, name=f"{self.name}[{label}]", sources=(source,), variant=label)
            for source, label in zip(self.sources, names, strict=True)
        ]


# What a module file beside a case is, by its suffix.
SOURCE_FORMATS = {".wat": "wat", ".wasm": "binary", ".c": "c", ".rs": "rust", ".zig": "zig"}
PREBUILT = "prebuilt"  # the format (and toolchain) of modules the project built itself
LINK = "link"  # objects of two toolchains linked into one module (`module.link`)
PACKAGE = "package"  # the format (and toolchain) of modules fetched from a published package
LOAD = "load"  # the kind of case that compiles and instantiates against generated imports


@cache
def case_schema() -> dict:
    text = resources.files("matrix").joinpath("schemas/case.schema.json").read_text("utf-8")
    return json.loads(text)


def known_engine_pattern(pattern: str) -> bool:
    """Whether an engine id, glob or family names at least one build of the manifests."""
    from .engines import select

    return bool(select(_engine_builds(), [pattern]))


@cache
def _engine_builds() -> list:
    from .engines import load_engine_builds  # read once: every case checks its `requires`

    return load_engine_builds()


@cache
def _validator() -> jsonschema.Draft202012Validator:
    # Made once: building a validator costs more than validating a case with it.
    return jsonschema.Draft202012Validator(case_schema())


def find_case_files(paths: Iterable[Path]) -> list[Path]:
    """Every case file under the given files or folders, in a stable order."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES)
        elif path.suffix in CASE_SUFFIXES:
            found.add(path)
    return sorted(found)


def load_cases(
    paths: Iterable[Path], rootdir: Path | None = None
) -> tuple[list[Case], list[CaseError]]:
    cases: list[Case] = []
    errors: list[CaseError] = []
    for path in find_case_files(paths):
        try:
            cases.append(load_case(path, rootdir))
        except CaseError as error:
            errors.append(error)
    return cases, errors


def load_case(path: Path, rootdir: Path | None = None) -> Case:
    """`rootdir` (the project's root, pytest's rootdir) is the second place a `module:`
    path or glob of built files is looked up, after the case's own folder."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CaseError(path, None, None, f"cannot read the file: {error}") from None
    root = compose(path, text)
    data = construct(path, root)
    check_schema(path, root, data, _validator())
    return _build_case(path, root, data, rootdir)


def _build_case(path: Path, root: yaml.Node, data: dict, rootdir: Path | None) -> Case:
    kind = data.get("kind", "program")
    calls = tuple(_build_calls(path, root, data.get("calls", [])))
    wasi = wasi_section(path, root, data)
    if kind == "program" and not calls and wasi is None:
        raise CaseError(
            path,
            root.start_mark.line + 1,
            "calls",
            "a program needs at least one call (or make it kind: probe)",
        )
    if kind == LOAD and not data.get("valid", True):
        raise CaseError(
            path,
            line_of(root, ["valid"]),
            "valid",
            "a load case measures whether engines take a shipped module; it cannot be invalid",
        )
    if not data.get("valid", True) and calls:
        raise CaseError(
            path,
            line_of(root, ["calls"]),
            "calls",
            "a module that must be rejected cannot have calls",
        )
    name = data.get("name", path.stem)
    for key in ("requires", "engines"):
        for index, pattern in enumerate(data.get(key, [])):
            if not known_engine_pattern(pattern):
                raise CaseError(
                    path,
                    line_of(root, [key, index]),
                    f"{key}[{index}]",
                    f"{pattern!r} names no engine build (give ids, globs such as wasmtime-*, "
                    "families or FAMILY@newest; `wasm-matrix engines` lists them)",
                )
    if "name" not in data and not _NAME.match(name):
        raise CaseError(
            path,
            None,
            "name",
            f"the file name gives the case name {name!r}, which must be letters, digits "
            "and _ . + - (or set 'name')",
        )
    module = data["module"]
    if isinstance(module, str):
        sources = _prebuilt_sources(path, root, module, rootdir)
    else:
        sources = _module_sources(path, root, module)
    if wasi is not None:  # only WASI toolchains build it, as a command or a reactor
        sources = tuple(replace(source, entry=wasi.start) for source in sources)
    return Case(
        path=path,
        name=name,
        kind=kind,
        description=data.get("description", ""),
        features=tuple(data.get("features", [])),
        sources=sources,
        valid=data.get("valid", True),
        profiles=tuple(data.get("profiles", [DEFAULT_PROFILE])),
        toolchains=tuple(data.get("toolchains", [])),
        timeout=float(data.get("timeout", DEFAULT_TIMEOUT)),
        tags=tuple(data.get("tags", [])),
        calls=calls,
        requires=tuple(data.get("requires", [])),
        engines=tuple(data.get("engines", [])),
        module_pattern=module if isinstance(module, str) else "",
        control=bool(data.get("control", False)),
        js=data.get("js"),
        wasi=wasi,
    )


def _prebuilt_sources(
    path: Path, root: yaml.Node, pattern: str, rootdir: Path | None
) -> tuple[ModuleSource, ...]:
    """The built `.wasm` files a `module:` path or glob names: relative to the case's
    folder, or, when nothing matches there, to the project's root folder."""
    line = line_of(root, ["module"])
    bases = [path.parent] + ([rootdir] if rootdir and rootdir != path.parent else [])
    for base in bases:
        files = sorted(
            Path(found)
            for found in glob.glob(str(base / pattern), recursive=True)
            if Path(found).is_file()
        )
        if files:
            break
    else:
        where = " and ".join(display_path(base) or "." for base in bases)
        raise CaseError(
            path,
            line,
            "module",
            f"{pattern!r} matches no built module (looked in {where}); "
            "run the project's build step first",
        )
    sources = []
    for file in files:
        if file.suffix != ".wasm":
            raise CaseError(path, line, "module", f"{pattern!r} matches {file}, not a .wasm file")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CaseError(
                path, line, "module", f"cannot read {display_path(file)}: {error.strerror}"
            ) from None
        sources.append(ModuleSource(PREBUILT, content, display_path(file)))
    return tuple(sources)


def _module_sources(path: Path, root: yaml.Node, module: dict) -> tuple[ModuleSource, ...]:
    if "wat" in module:
        return (ModuleSource("wat", module["wat"].encode("utf-8"), "inline"),)
    if "hex" in module:
        digits = "".join(module["hex"].split())
        if len(digits) % 2:
            raise CaseError(
                path,
                line_of(root, ["module", "hex"]),
                "module.hex",
                f"an odd number of hex digits ({len(digits)}): a byte is two digits",
            )
        return (ModuleSource("binary", bytes.fromhex(digits), "inline"),)
    if "file" in module:
        return (_file_source(path, root, ["module", "file"], module["file"]),)
    if "link" in module:
        return (_link_source(path, root, module["link"]),)
    if "package" in module:
        return (_package_source(module["package"]),)
    sources = []
    for index, name in enumerate(module["files"]):
        source = _file_source(path, root, ["module", "files", index], name)
        if any(other.format == source.format for other in sources):
            raise CaseError(
                path,
                line_of(root, ["module", "files", index]),
                f"module.files[{index}]",
                f"{name!r}: a second {source.format} source; give one file per language",
            )
        sources.append(source)
    return tuple(sources)


def _link_source(path: Path, root: yaml.Node, parts: list[dict]) -> ModuleSource:
    sources = [
        _file_source(path, root, ["module", "link", index, "file"], part["file"])
        for index, part in enumerate(parts)
    ]
    files = [(source.origin, source.format, source.content) for source in sources]
    content, origin = linked_content(path, root, parts, files)
    return ModuleSource(LINK, content, origin)


def _file_source(path: Path, root: yaml.Node, location: list, name: str) -> ModuleSource:
    file = path.parent / name
    line = line_of(root, location)
    field = field_name(location)
    folder = path.parent.resolve()
    if not file.resolve().is_relative_to(folder):  # `..`, or a link that leads out
        raise CaseError(
            path,
            line,
            field,
            f"{name!r} is outside the case's folder: a module file must be beside the case "
            "or below it (built modules from elsewhere go in `module: PATH-OR-GLOB`)",
        )
    if file.suffix not in SOURCE_FORMATS:
        suffixes = ", ".join(SOURCE_FORMATS)
        raise CaseError(path, line, field, f"{name!r}: a module file must end in {suffixes}")
    try:
        content = file.read_bytes()
    except OSError as error:
        raise CaseError(path, line, field, f"cannot read {name!r}: {error.strerror}") from None
    return ModuleSource(SOURCE_FORMATS[file.suffix], content, name)


def _package_source(data: dict) -> ModuleSource:
    registry = "npm" if "npm" in data else "pypi"
    name, _, version = data[registry].rpartition("==" if registry == "pypi" else "@")
    package = PackageModule(
        registry=registry,
        name=name,
        version=version,
        sha256=data["sha256"],
        path=data["path"],
        licence=data["licence"],
        built_with=data["built_with"],
        why=data["why"],
    )
    return ModuleSource(PACKAGE, package.to_json(), f"{package.spec} {package.path}")


def _build_calls(path: Path, root: yaml.Node, calls: list[dict]) -> Iterator[Call]:
    for index, call in enumerate(calls):
        where = ["calls", index]
        args = tuple(
            _typed(path, root, [*where, "args", i], parse_value, text)
            for i, text in enumerate(call.get("args", []))
        )
        expect: tuple[Exact | Nan, ...] | None = None
        if "trap" not in call:
            expect = tuple(
                _typed(path, root, [*where, "expect", i], parse_expected, text)
                for i, text in enumerate(call.get("expect", []))
            )
        elif kind_of(call["trap"]) is None:
            raise CaseError(
                path,
                line_of(root, [*where, "trap"]),
                field_name([*where, "trap"]),
                f"{call['trap']!r} names no kind of trap (one of: {', '.join(KINDS)})",
            )
        yield Call(call["invoke"], args, expect, call.get("trap"), line_of(root, where))


def _typed(path: Path, root: yaml.Node, location: list, parse, text: str):
    try:
        return parse(text)
    except ValueSyntaxError as error:
        raise CaseError(path, line_of(root, location), field_name(location), str(error)) from None
