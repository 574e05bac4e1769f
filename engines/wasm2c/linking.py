"""Generated imports for wasm2c (protocol.md, "Load"): wasm2c links modules the way C does.

A module `m` translated by wasm2c calls its imports as C functions named after the import's
namespace (`w2c_env_f(struct w2c_env*, …)`), and those are exactly the exports of a module
translated with `-n env`. So each namespace gets a provider module (imports.provider_module:
functions that report their number, then trap; memories, tables, globals and tags of the
declared types), translated to C beside `m` and instantiated before it. The providers report
through one import of their own, `wasm_matrix.stub_called`, which the driver defines: it
prints `stub N`, so a trap that follows is told from the module's own `unreachable`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from imports import CannotProvide, NotRead, provider_module, read_imports
from pyhost import CannotStub

REPORTER = ("wasm_matrix", "stub_called")
# `void wasm2c_m_instantiate(w2c_m*, struct w2c_env*, …);`: the providers it takes, in order.
INSTANTIATE = re.compile(r"^void (wasm2c_\w+_instantiate)\((\w+)\*((?:, struct \w+\*)*)\);$", re.M)
STRUCT = re.compile(r"^typedef struct (w2c_\w+) \{$", re.M)
# The reporter's C declaration, as the providers' headers spell it.
REPORT = re.compile(
    r"^/\* import: 'wasm_matrix' 'stub_called' \*/\nvoid (\w+)\(struct (\w+)\*, u32\);$", re.M
)


@dataclass
class Providers:
    """The provider modules of one module's imports, and what the driver needs of them."""

    modules: list[tuple[str, bytes]] = field(default_factory=list)  # (namespace, module)
    labels: list[str] = field(default_factory=list)  # `module.name` by reported number

    @property
    def count(self) -> int:
        return len(self.labels)


def providers_for(module: bytes) -> Providers:
    """One provider module per import namespace (raises CannotStub)."""
    try:
        wanted = read_imports(module)
    except NotRead:
        wanted = []  # beyond our reader: wasm2c has judged the module already
    namespaces: dict[str, list] = {}
    for item in wanted:
        namespaces.setdefault(item.module, []).append(item)
    if REPORTER[0] in namespaces:
        raise CannotStub(f"the module imports from {REPORTER[0]!r}, the providers' own namespace")
    made = Providers()
    for namespace, items in namespaces.items():
        try:
            made.modules.append((namespace, provider_module(items, REPORTER, len(made.labels))))
        except CannotProvide as error:
            raise CannotStub(f"wasm2c links modules, and no module can export {error}") from None
        made.labels += [item.label for item in items]
    return made


@dataclass
class Link:
    """What the driver adds to link `m` with its providers."""

    headers: list[str]  # the providers' headers, to include
    definitions: str  # file scope: the reporter
    setup: list[str]  # in main(): the providers, instantiated
    instantiate: str  # in main(): `m`, instantiated with them


def link(main_header: str, provider_headers: list[str]) -> Link:
    """How the driver instantiates the providers and `m` with them (in the order the
    header of `m` asks for them), from the headers wasm2c wrote."""
    structs, setup, definitions = {}, [], ""
    for number, header in enumerate(provider_headers):
        struct, instantiate = STRUCT.search(header), INSTANTIATE.search(header)
        if struct is None or instantiate is None:
            raise RuntimeError(f"provider {number}: wasm2c's header is not as expected")
        structs[struct.group(1)] = f"&p{number}"
        report = REPORT.search(header)
        if report is not None and not definitions:
            function, kind = report.groups()
            definitions = (
                f"struct {kind} {{ int unused; }};\n"
                f"static struct {kind} reporter;\n"
                f"void {function}(struct {kind}* self, u32 n) "
                '{ printf("stub %" PRIu32 "\\n", n); fflush(stdout); }'
            )
        setup += [
            f"  static {struct.group(1)} p{number};",
            f"  {instantiate.group(1)}(&p{number}, &reporter);",
        ]
    main = INSTANTIATE.search(main_header)
    if main is None:
        raise RuntimeError("wasm2c's header of the module is not as expected")
    wanted = re.findall(r"struct (\w+)\*", main.group(3))
    missing = [name for name in wanted if name not in structs]
    if missing:
        raise RuntimeError(f"no provider for {', '.join(missing)}")
    arguments = ", ".join(["&instance", *(structs[name] for name in wanted)])
    headers = [f"p{number}.h" for number in range(len(provider_headers))]
    return Link(headers, definitions, setup, f"  {main.group(1)}({arguments});")
