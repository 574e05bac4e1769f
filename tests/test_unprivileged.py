"""Without root, `wasm-matrix run` gets Debian programs by unpacking their packages into the
cache: a C case built by clang-19 and run on wabt, both unpacked, as an unprivileged user.

The machine has both installed, so the run is shown a machine without them: a dpkg status
file without their packages (through APT_CONFIG, apt's own way to point at another one).
apt then says what a machine without them lacks, `apt-get download` fetches exactly that
from Debian's packages, and the programs run from the cache. Run as root, the test drops to
the `nobody` user (setpriv) with a fresh cache and home of its own.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import site
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from matrix import debian
from matrix.engines import load_engine_builds

# wabt's build with nothing switched off (its id names the Debian package's version).
WABT = next(b.id for b in load_engine_builds() if b.family.name == "wabt" and not b.disabled)

REPO = Path(__file__).resolve().parents[1]
# Taken away from the machine the run sees: the programs and what they alone bring.
HIDDEN = ("wabt", "clang-19", "lld-19", "libclang-common-19-dev")
SYSTEM_PYTHON = "/usr/bin/python3.11"  # the test venv's interpreter may live under /root
# The programs the machine then lacks too (each covered by an empty file in a mount
# namespace of the run's own), as a machine without the packages would.
PROGRAMS = ("/usr/bin/spectest-interp", "/usr/bin/clang-19", "/usr/bin/wasm-ld-19")
# How this machine reaches the registries (certificates, a package index): passed on.
REGISTRY_SETTINGS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE")

CASE = """\
description: "sum of squares below n, built by clang and run on wabt, both unpacked"
kind: program
features: [mvp]
module:
  file: squares.c
calls:
  - invoke: squares
    args: [i32:10]
    expect: [i32:285]
"""
SOURCE = """\
__attribute__((export_name("squares"))) int squares(int n) {
    int total = 0;
    for (int i = 0; i < n; i++) total += i * i;
    return total;
}
"""


def installed(package: str) -> bool:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return done.stdout.endswith(" installed")


def as_a_machine_without_them() -> list[str]:
    """A command prefix: a mount namespace where PROGRAMS are gone, then (as root) the
    unprivileged `nobody` user."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    hide = "; ".join(f"mount --bind /dev/null {program}" for program in PROGRAMS)
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-ec", f'{hide}; exec "$@"']
    tried = subprocess.run([*prefix, "sh", "true"], capture_output=True, text=True)
    if tried.returncode:
        pytest.skip(f"no mount namespace here to hide programs in: {tried.stderr.strip()}")
    if os.geteuid() != 0:
        return [*prefix, "sh"]
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no `nobody` user to run as")
    return [*prefix, "sh", "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.mark.skipif(not debian.available(), reason="not a Debian machine (apt-get)")
def test_without_root_debian_programs_run_unpacked_from_the_cache():
    if not all(installed(package) for package in HIDDEN):
        pytest.skip("clang-19 and wabt are not installed here to hide (nox -s engines)")
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"{SYSTEM_PYTHON} is not installed")
    prefix = as_a_machine_without_them()
    work = Path(tempfile.mkdtemp(prefix="wasm-matrix-unprivileged-"))
    try:
        stanzas = Path("/var/lib/dpkg/status").read_text("utf-8").split("\n\n")
        hidden = tuple(f"Package: {package}\n" for package in HIDDEN)
        (work / "status").write_text("\n\n".join(s for s in stanzas if not s.startswith(hidden)))
        (work / "apt.conf").write_text(f'Dir::State::status "{work / "status"}";\n')
        project = work / "project"
        (project / "cases").mkdir(parents=True)
        (project / "cases" / "squares.yaml").write_text(CASE)
        (project / "cases" / "squares.c").write_text(SOURCE)
        if os.geteuid() == 0:
            for path in [work, *work.rglob("*")]:
                os.chown(path, *_nobody())
        # The system's Python with this test's packages and this checkout: nothing under
        # /root, which `nobody` cannot read.
        packages = [p for p in site.getsitepackages() if Path(p).is_dir()]
        checkout, packages = _reachable(work, REPO, [Path(p) for p in packages])
        environment = {
            "PATH": os.defpath,
            "HOME": str(work),
            "LANG": "C.UTF-8",
            "PYTHONPATH": os.pathsep.join(map(str, [checkout, *packages])),
            "WASM_MATRIX_CACHE": str(work / "cache"),
            "APT_CONFIG": str(work / "apt.conf"),
            **{name: os.environ[name] for name in REGISTRY_SETTINGS if name in os.environ},
            **{name: value for name, value in os.environ.items() if name.startswith("PIP_")},
        }
        command = [
            *prefix,
            SYSTEM_PYTHON,
            "-m",
            "matrix.cli",
            "run",
            "cases",
            "--engines",
            WABT,
            "--toolchains",
            "clang-19",
            "--profiles",
            "default",
            "-n",
            "0",
        ]
        done = subprocess.run(
            command, cwd=project, env=environment, capture_output=True, text=True, timeout=900
        )
        said = done.stdout + done.stderr
        assert done.returncode == 0, said
        # Downloaded and unpacked: the hidden packages, nothing the machine has.
        assert "apt-get download" in said and "apt-get install" not in said, said
        [result] = [json.loads(line) for line in (project / "reports/latest/results.jsonl").open()]
        assert (result["toolchain"], result["engine"], result["outcome"]) == (
            "clang-19",
            WABT,
            "pass",
        ), f"{result}\n{said}"
        cache = work / "cache"
        [engine] = [json.loads(p.read_text()) for p in cache.glob("engines/wabt*/engine.json")]
        assert engine["places"]["command"].startswith(str(cache))
        assert Path(engine["places"]["unpacked"], debian.UNPACKED).is_file()
        unpacked = json.loads((cache / "toolchains/debian/clang-19" / debian.UNPACKED).read_text())
        assert unpacked["packages"] == ["clang-19", "lld-19"]
        facts = json.loads((project / "reports/latest/run.json").read_text())["toolchains"]
        clang = next(fact for fact in facts if fact["name"] == "clang-19")
        assert clang["version"].startswith("clang 19."), clang
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _reachable_by_others(path: Path) -> bool:
    """Whether another user can reach `path`: every folder on the way lets others through."""
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in [path, *path.parents])


def _reachable(work: Path, repo: Path, packages: list[Path]) -> tuple[Path, list[Path]]:
    """The checkout and the site packages as `nobody` can read them: where they are, or a
    copy under `work` when a private folder hides them (a clean clone made by `mktemp -d`
    is 0700, and so is the nox environment inside it)."""
    skip = shutil.ignore_patterns("__pycache__")
    checkout = repo
    if not _reachable_by_others(repo / "matrix"):
        checkout = work / "checkout"
        for part in ("matrix", "engines"):
            shutil.copytree(repo / part, checkout / part, ignore=skip)
    reachable = []
    for number, folder in enumerate(packages):
        if not _reachable_by_others(folder):
            folder = shutil.copytree(folder, work / f"site-packages-{number}", ignore=skip)
        reachable.append(folder)
    return checkout, reachable


def _nobody() -> tuple[int, int]:
    entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid
