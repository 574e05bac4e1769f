"""The tables of WASI programs and C ↔ Rust ABI pairings (no formatting here).

A WASI program's cells carry `wasi` (native, shim or none) in their records; an ABI
pairing's toolchain is `clang-N[:mv]+rustc-M[:abi]` (toolchains/link.py).
"""

from __future__ import annotations

from collections import defaultdict

from ..records import CellResult
from .tables import Table, fold, is_pairing, toolchain_order


def wasi_table(records: list[CellResult], engines: list[str]) -> Table:
    """WASI toolchain × engine: every WASI program's default build, folded. Engines that
    ran them through wasm-matrix's shim say so (`shim_engines`)."""
    grouped: dict[tuple[str, str], list[CellResult]] = defaultdict(list)
    for record in records:
        if record.wasi in ("native", "shim") and record.profile == "default":
            grouped[(record.toolchain, record.engine)].append(record)
    rows = sorted({toolchain for toolchain, _ in grouped}, key=toolchain_order)
    columns = [engine for engine in engines if any((row, engine) in grouped for row in rows)]
    cells = {key: fold(group) for key, group in grouped.items()}
    return Table("WASI programs × engines", rows, columns, cells)


def shim_engines(records: list[CellResult]) -> list[str]:
    """Engines whose WASI cells ran through wasm-matrix's shim."""
    return sorted({record.engine for record in records if record.wasi == "shim"})


def abi_engine(records: list[CellResult]) -> str | None:
    """The engine the ABI table is read on: the newest wasmtime with nothing switched off
    (the engine is not the variable there), else the first engine with pairing cells."""
    pairings = [record for record in records if is_pairing(record)]
    wasmtimes = [
        record
        for record in pairings
        if record.engine_family == "wasmtime" and not record.engine_disabled
    ]
    if wasmtimes:
        return max(wasmtimes, key=lambda record: _version_numbers(record.engine_version)).engine
    return pairings[0].engine if pairings else None


def abi_table(records: list[CellResult]) -> Table:
    """C ↔ Rust ABI: pairing (and flags) × ABI case, on one engine (`abi_engine`)."""
    engine = abi_engine(records)
    chosen = [record for record in records if is_pairing(record) and record.engine == engine]
    rows = sorted({record.toolchain for record in chosen}, key=_pairing_order)
    columns = sorted({record.case for record in chosen})
    grouped: dict[tuple[str, str], list[CellResult]] = defaultdict(list)
    for record in chosen:
        grouped[(record.toolchain, record.case)].append(record)
    cells = {key: fold(group) for key, group in grouped.items()}
    return Table(f"C ↔ Rust ABI on {engine}", rows, columns, cells)


def _pairing_order(name: str) -> tuple:
    c, _, rust = name.partition("+")
    return (toolchain_order(c.split(":")[0]), ":" in c, toolchain_order(rust.split(":")[0]), rust)


def _version_numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())
