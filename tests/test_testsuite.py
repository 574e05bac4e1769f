"""The pinned copy of the WebAssembly spec test suite: it is whole, its pin is recorded, its
refresh script takes a checkout, and the project reads nothing from beside the clone."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

from .helpers import REPO, TESTSUITE


def test_the_pinned_copy_has_its_licence_pin_and_scripts():
    pin = json.loads((TESTSUITE / "upstream.json").read_text("utf-8"))
    assert re.fullmatch(r"[0-9a-f]{7,40}", pin["commit"])
    assert f"`{pin['commit']}` ({pin['committed']})" in (TESTSUITE / "README.md").read_text()
    assert "Apache License" in (TESTSUITE / "LICENSE").read_text()
    core = list(TESTSUITE.glob("*.wast"))
    assert len(core) > 200
    assert list((TESTSUITE / "proposals").rglob("*.wast"))


def git(folder, *arguments):
    subprocess.run(
        ["git", "-C", str(folder), *arguments],
        check=True,
        capture_output=True,
        env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
             "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_refresh_takes_an_upstream_checkout_and_records_its_commit(tmp_path):
    pinned = tmp_path / "pinned"  # a small pinned copy with the real script beside it
    (pinned / "proposals" / "p").mkdir(parents=True)
    for name in ("refresh.py", "README.md", "upstream.json", "LICENSE"):
        shutil.copy(TESTSUITE / name, pinned / name)
    (pinned / "kept.wast").write_text("(module) ;; old\n")
    (pinned / "gone.wast").write_text("(module)\n")
    (pinned / "proposals" / "p" / "p.wast").write_text("(module)\n")
    upstream = tmp_path / "upstream"
    (upstream / "proposals" / "q").mkdir(parents=True)
    (upstream / "kept.wast").write_text("(module) ;; new\n")
    (upstream / "new.wast").write_text("(module)\n")
    (upstream / "proposals" / "q" / "q.wast").write_text("(module)\n")
    (upstream / "LICENSE").write_text("Apache License, new copy\n")
    (upstream / "README.md").write_text("upstream readme\n")
    git(upstream, "init", "-q")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "suite")
    head = subprocess.run(
        ["git", "-C", str(upstream), "log", "-1", "--format=%h"], capture_output=True, text=True
    ).stdout.strip()

    refresh = [sys.executable, str(pinned / "refresh.py"), str(upstream)]
    done = subprocess.run(refresh, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "vanished upstream (2): gone.wast, proposals/p/p.wast" in done.stdout
    assert "left out (2): new.wast, proposals/q/q.wast" in done.stdout
    assert (pinned / "kept.wast").read_text() == "(module) ;; new\n"
    assert not (pinned / "gone.wast").exists()
    assert not (pinned / "proposals" / "p").exists()  # emptied folders go too
    assert (pinned / "LICENSE").read_text() == "Apache License, new copy\n"
    assert (pinned / "UPSTREAM-README.md").read_text() == "upstream readme\n"
    pin = json.loads((pinned / "upstream.json").read_text())
    assert pin["commit"] == head
    assert f"`{head}`" in (pinned / "README.md").read_text()

    done = subprocess.run([*refresh, "--all"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (pinned / "new.wast").exists()
    assert (pinned / "proposals" / "q" / "q.wast").exists()

    done = subprocess.run([*refresh[:2], str(tmp_path)], capture_output=True, text=True)
    assert done.returncode != 0
    assert "not the upstream suite" in done.stderr


def test_nothing_in_the_project_reads_from_beside_the_clone():
    """A user's clone has no shared/ folder beside it: no code, test, benchmark or session
    may refer to one."""
    beside = [
        re.compile(r"\.\./" + "shared"),
        re.compile(r"/work/" + "shared"),
        re.compile(r'/\s*"' + "shared" + '"'),  # a path joined with it
    ]
    tracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "*.py", "*.toml", "*.cfg", "*.ini", ".ci/*",
         ".github/*"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert "noxfile.py" in tracked
    found = [
        f"{name}:{number}"
        for name in tracked
        if (REPO / name).is_file()
        for number, line in enumerate((REPO / name).read_text("utf-8").splitlines(), 1)
        if any(pattern.search(line) for pattern in beside)
    ]
    assert not found
