"""Words for a Decision: the one-line message and the details a student reads.

Everything that came from the run (exception text, function names, what it
printed, lines of its source) is made inert before it is shown. A hidden
case shows its verdict and nothing the run wrote; its time is the worker's
own measure, coarsened.
"""

import math
import signal

from grader.box import limits as box_limits
from grader.inert import inert
from grader.pipeline.verdict import Verdict
from grader.settings import DEFAULTS

OUTPUT_LIMIT = DEFAULTS.output_limit
OUTPUT_LINES = DEFAULTS.output_lines


def coarse_ms(ms):
    """The time shown for a hidden case: rounded up to 1, 2 or 5 times a power of ten (ms),
    so that a run cannot spell out a hidden case's parameters in it."""
    if not ms or ms <= 1:
        return 1.0
    decade = 10 ** math.floor(math.log10(ms))
    for step in (1, 2, 5, 10):
        if ms <= step * decade * (1 + 1e-9):
            return float(step * decade)
    return float(10 * decade)        # pragma: no cover - the loop always returns


def hidden_message(verdict):
    return {
        Verdict.AC: "passed",
        Verdict.WA: "wrong answer on a hidden case (its details are not shown)",
        Verdict.RE: "runtime error on a hidden case (its details are not shown)",
        Verdict.TLE: "time limit exceeded on a hidden case",
        Verdict.MLE: "memory limit exceeded on a hidden case",
        Verdict.OLE: "output limit exceeded on a hidden case",
        Verdict.IE: "the judge failed on this case; this attempt does not count",
    }.get(verdict, str(verdict))


def signal_name(sig):
    """A plain name for a signal that ended a run: "segmentation fault", "file too large"."""
    names = {
        signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted",
        signal.SIGFPE: "floating-point exception", signal.SIGBUS: "bus error",
        signal.SIGILL: "illegal instruction", signal.SIGKILL: "killed",
        signal.SIGXFSZ: "file too large", signal.SIGTERM: "terminated",
        signal.SIGPIPE: "broken pipe", signal.SIGSYS: "forbidden system call",
        signal.SIGXCPU: "CPU time limit", signal.SIGINT: "interrupted",
        signal.SIGHUP: "hang-up", signal.SIGQUIT: "quit", signal.SIGALRM: "alarm clock",
        signal.SIGUSR1: "user signal 1", signal.SIGUSR2: "user signal 2",
        signal.SIGTRAP: "trace trap",
    }
    try:
        return names.get(sig) or (signal.strsignal(sig) or f"signal {sig}").lower()
    except (ValueError, TypeError):
        return f"signal {sig}"


def printed(output):
    """What a public case printed, as shown: the first lines, inert."""
    if not output:
        return ""
    text = output.decode("utf-8", errors="replace")
    kept = text.split("\n")
    shown = "\n".join(kept[:OUTPUT_LINES])
    if len(kept) > OUTPUT_LINES:
        shown += f"\n... ({len(kept) - OUTPUT_LINES} more lines)"
    return inert(shown[:2000], lines=True)


def words(decision, limits, raised=None, mismatches=(), correct=(), place=None, stuck=None):
    """(message, details) for a Decision on a public case.

    ``raised`` is the decode.Raised of an error, ``mismatches`` and ``correct``
    the compared outputs, ``place(line)`` maps a line of the spliced file to
    (line in the student's file, its text), ``stuck`` the line of the spliced
    file a run out of time said it was on."""
    reason, facts = decision.reason, decision.facts
    time_limit, memory = limits.time_s, limits.memory_mb
    simple = {
        "box_fault": f"the judge failed on this case ({inert(facts.get('reason'))}); "
                     f"this attempt does not count",
        "wall_time": f"took longer than the {time_limit:g} s time limit",
        "cpu_time": f"used more than {time_limit:g} s of CPU time",
        "output_limit": f"printed more than {limits.output_bytes // 1024} KB; remove debugging prints",
        "result_limit": "returned far more data than the expected arrays hold",
        "crash": f"crashed: {signal_name(facts.get('signal'))}",
        "crash_near_memory": f"used more than the {memory} MB memory limit (it crashed with "
                             f"{signal_name(facts.get('signal'))} near the limit)",
        "exit_near_memory": f"used more than the {memory} MB memory limit (it ended with exit "
                            f"code {facts.get('exit_code')} near the limit)",
        "no_results": f"your program ended before handing back its results (exit code "
                      f"{facts.get('exit_code')}); do not call exit(), quit(), sys.exit() or os._exit()",
        "garbled": f"the results could not be read back ({inert(facts.get('reason'))}); "
                   f"do not write to the judge's file descriptors",
        "exit_code": f"your program ended with exit code {facts.get('exit_code')}",
        "unacceptable": f"{facts.get('name')} could not be accepted: {inert(facts.get('error'))}",
        "accepted": "all outputs match",
    }
    if reason in simple:
        if reason in ("wall_time", "cpu_time") and stuck and place:
            line, text = place(stuck)
            if line:
                return (f"{simple[reason]}; it was running line {line}: {inert(text)}",
                        [f"line {line} was running when the time ran out: {inert(text)}",
                         "look for a loop that never ends or work repeated far more often than needed"])
        return simple[reason], []
    if reason == "wrong":
        first = mismatches[0]
        details = [m.message for m in mismatches]
        if correct:
            details.append(f"correct: {', '.join(correct)}")
        message = first.message
        if len(mismatches) > 1:
            message = f"{', '.join(m.name for m in mismatches)} are wrong; {message}"
        return message, details
    return _raised_words(decision, raised, memory, place)


def _raised_words(decision, raised, memory, place):
    kind, message, phase = inert(raised.kind), inert(raised.message), inert(raised.phase)
    if decision.reason == "memory_error":
        return f"ran out of memory (limit {memory} MB) in {phase}", []
    if decision.reason == "exit_called":
        return (f"raised {kind} in {phase}; do not call exit(), quit() or sys.exit() in your code"), []
    if decision.reason == "no_class":
        return message or "the class is missing", []
    details = []
    for file, number, function in raised.frames[-4:]:
        if file == "submission.py" and isinstance(number, int) and not isinstance(number, bool):
            line, text = place(number) if place else (None, "")
            details.append(f"line {line or '?'}, in {inert(function)}: {inert(text)}")
        else:
            details.append(f"in {inert(file)}, line {inert(number)}, in {inert(function)} "
                           f"(called from your code)")
    summary = f"{kind}: {message}" if message else kind
    where = f" in {phase}" if phase not in ("load", "outputs") else (
        " while loading the file" if phase == "load" else "")
    return f"{summary}{where}{sandbox_hint(raised.message)}", details


def compile_message(raised, place):
    """The CE message for an error raised while compiling the spliced file."""
    line, text = place(raised.line) if raised.line else (None, "")
    where = f"line {line}: " if line else ""
    source = f"  {inert(text.strip())}" if text else ""
    return f"{where}{inert(raised.kind)}: {inert(raised.message)}{source and ' ->' + source}"


def sandbox_hint(message):
    """What the sandbox forbids, for an error it caused."""
    limits = {
        "[Errno 1] Operation not permitted": "a submission may not start processes, open sockets "
                                             "or signal other processes",
        "[Errno 30] Read-only file system": "write files only in the current folder",
        "[Errno 28] No space left on device": f"the current folder holds at most "
                                              f"{box_limits.WORKDIR_LIMIT >> 20} MB",
        "[Errno 27] File too large": f"a file may hold at most {box_limits.FILE_SIZE_LIMIT >> 20} MB",
    }
    for text, hint in limits.items():
        if message.startswith(text):
            return f" ({hint})"
    return ""
