"""Debian packages for programs run from the cache: apt's resolver says what a machine
lacks; a program unpacked into a folder gets its programs, libraries and typelibs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from matrix import debian

needs_apt = pytest.mark.skipif(not debian.available(), reason="not a Debian machine (apt-get)")


def installed_version(package: str) -> str | None:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status} ${Version}", package], capture_output=True, text=True
    )
    status, _, version = done.stdout.rpartition(" ")
    return version if status.endswith("installed") else None


@needs_apt
def test_apt_says_what_a_machine_without_the_package_would_add(tmp_path):
    version = installed_version("wabt")
    if version is None:
        pytest.skip("wabt is not installed here (nox -s engines -- --system)")
    assert debian.missing(["wabt"]) == []  # installed: nothing to add
    # The same machine without wabt, as a dpkg status file: wabt alone is missing (its
    # libraries, libc and libstdc++, are there).
    stanzas = Path("/var/lib/dpkg/status").read_text("utf-8").split("\n\n")
    status = tmp_path / "status"
    status.write_text("\n\n".join(s for s in stanzas if not s.startswith("Package: wabt\n")))
    assert debian.missing(["wabt"], status=status) == [("wabt", version)]


@needs_apt
def test_a_package_that_does_not_exist_is_a_clear_error():
    with pytest.raises(debian.DebianError, match="cannot resolve no-such-package-wasm-matrix"):
        debian.missing(["no-such-package-wasm-matrix"])


def test_an_unpacked_program_finds_its_programs_libraries_and_typelibs_first(tmp_path):
    root = tmp_path / "root"
    for folder in ("usr/bin", "usr/lib/x86_64-linux-gnu/pulseaudio", "lib/x86_64-linux-gnu"):
        (root / folder).mkdir(parents=True)
    (root / "usr/lib/x86_64-linux-gnu/libjsc.so.18").write_bytes(b"")
    (root / "usr/lib/x86_64-linux-gnu/pulseaudio/libpulsecommon-16.1.so").write_bytes(b"")
    (root / "lib/x86_64-linux-gnu/libz.so.1").write_bytes(b"")
    (root / "usr/lib/x86_64-linux-gnu/girepository-1.0").mkdir()
    base = {"PATH": "/usr/bin", "LD_LIBRARY_PATH": "/opt/lib", "HOME": "/h"}
    environment = debian.unpacked_environment(root, base)
    assert environment["PATH"] == f"{root}/usr/bin:/usr/bin"
    assert environment["LD_LIBRARY_PATH"].split(":") == [
        f"{root}/usr/lib/x86_64-linux-gnu",
        f"{root}/lib/x86_64-linux-gnu",
        f"{root}/usr/lib/x86_64-linux-gnu/pulseaudio",  # libpulse loads it from there
        "/opt/lib",
    ]
    assert environment["GI_TYPELIB_PATH"] == f"{root}/usr/lib/x86_64-linux-gnu/girepository-1.0"
    assert environment["HOME"] == "/h" and base["PATH"] == "/usr/bin"  # base untouched


def test_an_unpacked_program_keeps_its_relative_links_and_follows_absolute_ones_inside(
    tmp_path,
):
    root = tmp_path / "root"
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/lib/llvm-19/bin").mkdir(parents=True)
    (root / "usr/lib/firefox-esr").mkdir(parents=True)
    for program in ("usr/lib/llvm-19/bin/lld", "usr/lib/firefox-esr/firefox-esr"):
        (root / program).write_bytes(b"\x7fELF")
        (root / program).chmod(0o755)
    # lld is one program for several linkers: it must be called by its link's name.
    (root / "usr/lib/llvm-19/bin/wasm-ld").symlink_to("lld")
    (root / "usr/bin/wasm-ld-19").symlink_to("../lib/llvm-19/bin/wasm-ld")
    (root / "usr/bin/firefox-esr").symlink_to("/usr/lib/firefox-esr/firefox-esr")
    assert debian.program(root, "wasm-ld-19") == root / "usr/bin/wasm-ld-19"
    assert debian.program(root, "firefox-esr") == root / "usr/lib/firefox-esr/firefox-esr"
    assert debian.program(root, "clang-19") is None
