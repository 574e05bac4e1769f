"""Judge a WASI program's run: how it ended, what it printed, what its folders hold.

The program's own handling is what counts: a hostile program that is refused a path
prints so and exits 0, and the case expects exactly that. A cell run through
wasm-matrix's own WASI shim (browsers, jsc, gjs) says so in its message, whatever its
outcome, because the engine's own WASI was not what ran.

A case that grants a folder read-only, on an engine build that can only mount it
read-write, did not run as written: such a cell is `skip` with the reason, never a pass.
Only a failure that owes nothing to the missing protection stays one: an escape, or a
wrong answer while the read-only copies stayed untouched.
"""

from __future__ import annotations

from ..cases import Case
from ..judging import Verdict
from ..outcomes import Outcome
from ..protocol import RunAnswer
from ..verdict import judge
from .sandbox import Sandbox
from .spec import TextExpectation

SHIM_NOTE = "WASI via wasm-matrix's shim"
SHOWN = 400  # characters of output quoted in a message


def judge_wasi(case: Case, answer: RunAnswer, sandbox: Sandbox) -> Verdict:
    spec = case.wasi
    assert spec is not None
    if answer.status != "ran":
        return _noted(answer, judge(case, answer))
    wasi = answer.wasi
    if wasi is None:
        return _noted(answer, Verdict(Outcome.ERROR, "the host gave no WASI answer"))
    if wasi.undecodable:
        return _noted(answer, Verdict(Outcome.ERROR, f"the host's WASI answer: {wasi.undecodable}"))
    stdout = wasi.stdout.decode("utf-8", errors="replace")
    stderr = wasi.stderr.decode("utf-8", errors="replace")
    printed = _printed(stdout, stderr)
    unenforced = [
        preopen.guest
        for preopen, read_only in zip(spec.preopens, wasi.read_only, strict=False)
        if not preopen.writable and not read_only
    ]
    cannot = (
        f"this engine build cannot preopen {', '.join(unenforced)} read-only "
        "(it was mounted read-write)"
    )
    note = f"; {cannot}" if unenforced else ""
    if wasi.host_fds:  # the engine's WASI gave the program the host's own descriptors
        message = (
            "the engine's WASI let the program's file calls reach the host's own file "
            f"descriptors: {', '.join(wasi.host_fds)}{printed}"
        )
        return _noted(answer, Verdict(Outcome.FAIL, message))
    escaped = wasi.escaped
    if escaped:  # the worst news first: the engine's WASI let it out of its preopens
        shown = ", ".join(map(str, escaped[:8]))
        message = (
            f"the module wrote outside its preopens, into the host's working folder "
            f"(an empty folder while it ran): {shown}{printed}"
        )
        return _noted(answer, Verdict(Outcome.FAIL, message))
    verdict = _judged(case, answer, sandbox, note, printed)
    if unenforced:
        written = sandbox.read_only_changes(wasi)
        changed = [line for guest in unenforced for line in written.get(guest, [])]
        if verdict.outcome == Outcome.PASS:
            message = f"{cannot}, so the case's grant was not given; the run: {verdict.message}"
            verdict = Verdict(Outcome.SKIP, message)
        elif changed:
            writes = "; ".join(changed)
            message = f"{cannot}, and the program's writes to it went through ({writes})"
            verdict = Verdict(Outcome.SKIP, f"{message}: {verdict.message}")
    return _noted(answer, verdict)


def _judged(case: Case, answer: RunAnswer, sandbox: Sandbox, note: str, printed: str) -> Verdict:
    """How the run went, as if every folder had been granted as the case says (`note`
    goes into a failure's message)."""
    spec, wasi = case.wasi, answer.wasi
    assert spec is not None and wasi is not None
    stdout = wasi.stdout.decode("utf-8", errors="replace")
    stderr = wasi.stderr.decode("utf-8", errors="replace")
    if wasi.trap:
        return Verdict(Outcome.TRAP, f"{wasi.trap}{printed}")
    code = wasi.exit_code
    if code != spec.exit_code:
        return Verdict(Outcome.FAIL, f"exit code {code}, expected {spec.exit_code}{note}{printed}")
    for name, text, want in (("stdout", stdout, spec.stdout), ("stderr", stderr, spec.stderr)):
        if want is not None and not want.matches(text):
            others = _printed(*(("", stderr) if name == "stdout" else (stdout, "")))
            return Verdict(Outcome.FAIL, _mismatch(name, text, want) + note + others)
    problems = sandbox.problems(wasi)
    if problems:
        return Verdict(Outcome.FAIL, "; ".join(problems) + note + printed)
    calls = judge(case, answer)
    if calls.outcome != Outcome.PASS:
        return Verdict(calls.outcome, f"{calls.message}{printed}")
    said = ["exit code " + str(code)]
    said += [
        f"{name} as expected"
        for name, want in (("stdout", spec.stdout), ("stderr", spec.stderr))
        if want is not None
    ]
    if any(preopen.writable and preopen.expect for preopen in spec.preopens):
        said.append("folders as expected")
    if case.calls:
        said.append(calls.message)
    return Verdict(Outcome.PASS, ", ".join(said), calls.unobserved)


def _noted(answer: RunAnswer, verdict: Verdict) -> Verdict:
    if answer.wasi is not None and answer.wasi.via == "shim":
        return Verdict(verdict.outcome, f"{SHIM_NOTE}: {verdict.message}", verdict.unobserved)
    return verdict


def _mismatch(name: str, text: str, want: TextExpectation) -> str:
    if want.exact is None:
        return f"{name} does not match {want}: got {_quote(text)}"
    got, wanted = text.splitlines(keepends=True), want.exact.splitlines(keepends=True)
    line = next(
        (i for i, (a, b) in enumerate(zip(got, wanted, strict=False)) if a != b),
        min(len(got), len(wanted)),
    )
    first = _quote(got[line]) if line < len(got) else "nothing more"
    expected = _quote(wanted[line]) if line < len(wanted) else "nothing more"
    whole = f" (whole {name}: {_quote(text)})" if len(got) > 1 else ""
    return f"{name} differs from line {line + 1} on: got {first}, expected {expected}{whole}"


def _printed(stdout: str, stderr: str) -> str:
    parts = [
        f"{name}: {_quote(text)}" for name, text in (("stdout", stdout), ("stderr", stderr)) if text
    ]
    return f" ({'; '.join(parts)})" if parts else ""


def _quote(text: str) -> str:
    return repr(text if len(text) <= SHOWN else text[:SHOWN] + "…")
