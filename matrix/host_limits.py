"""The limits a host process lives under (docs/reliability.md).

Each host leads its own session, so killing it kills the whole process group (a browser's
children too); its memory is the resident memory of every process in that session; it
dies with the process that started it (PR_SET_PDEATHSIG), so a runner killed with SIGKILL
leaves no host spinning in an infinite loop; it writes no core files.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import sys

MEMORY_LIMIT = 4 * 2**30  # bytes of resident memory a host may use (WASM_MATRIX_HOST_MEMORY_MB)


def memory_limit() -> int:
    override = os.environ.get("WASM_MATRIX_HOST_MEMORY_MB")
    return int(override) * 2**20 if override else MEMORY_LIMIT


def session_alive(session: int) -> bool:
    """Whether any process of the session still exists (a zombie does not count)."""
    return any(fields[0] not in (b"Z", b"X") for _, fields in _session_stats(session))


def _session_stats(session: int):
    """(pid, /proc stat fields after the command name) of every process in a session."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # Fields after the command name, which may hold spaces and parentheses.
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended while we looked
        if int(fields[3]) == session:  # field 6 of stat: the session id
            yield int(entry), fields


def session_resident_bytes(session: int) -> int | None:
    """The resident memory of every process in a session (the host and what it started).

    None where there is no /proc, or when the session leader is gone.
    """
    if not os.path.isdir("/proc"):
        return resident_bytes(session)
    page = os.sysconf("SC_PAGE_SIZE")
    total, found_leader = 0, False
    for pid, fields in _session_stats(session):
        found_leader = found_leader or pid == session
        total += int(fields[21]) * page  # field 24 of stat: resident pages
    return total if found_leader else None


def resident_bytes(pid: int) -> int | None:
    """A process's resident set size, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


_PR_SET_PDEATHSIG = 1


def limit_host(runner_pid: int):
    """What the child does between fork and exec: die with the runner, dump no core.

    Returns None where prctl does not exist (not Linux): hosts then exit on stdin EOF,
    which does not stop one spinning in an infinite loop.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

    def limit() -> None:
        # The kernel sends SIGKILL when the thread that started us ends (the runner dies).
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != runner_pid:  # the runner died before prctl took effect
            os._exit(1)
        # An aborting engine (wasmtime 49+ without reference-types) should not write a core
        # file for every cell.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return limit


def describe_exit(code: int | None) -> str:
    if code is None:
        return "closed its output"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"
