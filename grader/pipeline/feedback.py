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
from grader.messages import _
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
        Verdict.AC: _("passed"),
        Verdict.WA: _("wrong answer on a hidden case (its details are not shown)"),
        Verdict.RE: _("runtime error on a hidden case (its details are not shown)"),
        Verdict.TLE: _("time limit exceeded on a hidden case"),
        Verdict.MLE: _("memory limit exceeded on a hidden case"),
        Verdict.OLE: _("output limit exceeded on a hidden case"),
        Verdict.IE: _("the judge failed on this case; this attempt does not count"),
    }.get(verdict, str(verdict))


def signal_name(sig):
    """A plain name for a signal that ended a run: "segmentation fault", "file too large"."""
    names = {
        signal.SIGSEGV: _("segmentation fault"), signal.SIGABRT: _("aborted"),
        signal.SIGFPE: _("floating-point exception"), signal.SIGBUS: _("bus error"),
        signal.SIGILL: _("illegal instruction"), signal.SIGKILL: _("killed"),
        signal.SIGXFSZ: _("file too large"), signal.SIGTERM: _("terminated"),
        signal.SIGPIPE: _("broken pipe"), signal.SIGSYS: _("forbidden system call"),
        signal.SIGXCPU: _("CPU time limit"), signal.SIGINT: _("interrupted"),
        signal.SIGHUP: _("hang-up"), signal.SIGQUIT: _("quit"), signal.SIGALRM: _("alarm clock"),
        signal.SIGUSR1: _("user signal 1"), signal.SIGUSR2: _("user signal 2"),
        signal.SIGTRAP: _("trace trap"),
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
        shown += "\n" + _("... ({count} more lines)", count=len(kept) - OUTPUT_LINES)
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
        "box_fault": lambda: _("the judge failed on this case ({reason}); this attempt does not count",
                               reason=inert(facts.get("reason"))),
        "wall_time": lambda: _("took longer than the {limit} s time limit", limit=f"{time_limit:g}"),
        "cpu_time": lambda: _("used more than {limit} s of CPU time", limit=f"{time_limit:g}"),
        "output_limit": lambda: _("printed more than {kb} KB; remove debugging prints",
                                  kb=limits.output_bytes // 1024),
        "result_limit": lambda: _("returned far more data than the expected arrays hold"),
        "crash": lambda: _("crashed: {signal}", signal=signal_name(facts.get("signal"))),
        "crash_near_memory": lambda: _("used more than the {memory} MB memory limit (it crashed with "
                                       "{signal} near the limit)", memory=memory,
                                       signal=signal_name(facts.get("signal"))),
        "exit_near_memory": lambda: _("used more than the {memory} MB memory limit (it ended with exit "
                                      "code {code} near the limit)", memory=memory,
                                      code=facts.get("exit_code")),
        "no_results": lambda: _("your program ended before handing back its results (exit code "
                                "{code}); do not call exit(), quit(), sys.exit() or os._exit()",
                                code=facts.get("exit_code")),
        "garbled": lambda: _("the results could not be read back ({reason}); do not write to the "
                             "judge's file descriptors", reason=inert(facts.get("reason"))),
        "exit_code": lambda: _("your program ended with exit code {code}", code=facts.get("exit_code")),
        "unacceptable": lambda: _("{name} could not be accepted: {error}", name=facts.get("name"),
                                  error=inert(facts.get("error"))),
        "accepted": lambda: _("all outputs match"),
    }
    if reason in simple:
        said = simple[reason]()
        if reason in ("wall_time", "cpu_time") and stuck and place:
            line, text = place(stuck)
            if line:
                return (_("{message}; it was running line {line}: {text}", message=said, line=line,
                          text=inert(text)),
                        [_("line {line} was running when the time ran out: {text}", line=line,
                           text=inert(text)),
                         _("look for a loop that never ends or work repeated far more often than needed")])
        return said, []
    if reason == "wrong":
        first = mismatches[0]
        details = [m.message for m in mismatches]
        if correct:
            details.append(_("correct: {names}", names=", ".join(correct)))
        message = first.message
        if len(mismatches) > 1:
            message = _("{names} are wrong; {message}", names=", ".join(m.name for m in mismatches),
                        message=message)
        return message, details
    return _raised_words(decision, raised, memory, place)


def _raised_words(decision, raised, memory, place):
    kind, message, phase = inert(raised.kind), inert(raised.message), inert(raised.phase)
    if decision.reason == "memory_error":
        return _("ran out of memory (limit {memory} MB) in {phase}", memory=memory, phase=phase), []
    if decision.reason == "exit_called":
        return _("raised {kind} in {phase}; do not call exit(), quit() or sys.exit() in your code",
                 kind=kind, phase=phase), []
    if decision.reason == "no_class":
        return message or _("the class is missing"), []
    details = []
    for file, number, function in raised.frames[-4:]:
        if file == "submission.py" and isinstance(number, int) and not isinstance(number, bool):
            line, text = place(number) if place else (None, "")
            details.append(_("line {line}, in {function}: {text}", line=line or "?",
                             function=inert(function), text=inert(text)))
        else:
            details.append(_("in {file}, line {line}, in {function} (called from your code)",
                             file=inert(file), line=inert(number), function=inert(function)))
    summary = f"{kind}: {message}" if message else kind
    where = _(" in {phase}", phase=phase) if phase not in ("load", "outputs") else (
        _(" while loading the file") if phase == "load" else "")
    return f"{summary}{where}{sandbox_hint(raised.message)}", details


def compile_message(raised, place):
    """The CE message for an error raised while compiling the spliced file."""
    line, text = place(raised.line) if raised.line else (None, "")
    where = _("line {line}: ", line=line) if line else ""
    source = f"  {inert(text.strip())}" if text else ""
    return f"{where}{inert(raised.kind)}: {inert(raised.message)}{source and ' ->' + source}"


def sandbox_hint(message):
    """What the sandbox forbids, for an error it caused."""
    limits = {
        "[Errno 1] Operation not permitted": _("a submission may not start processes, open sockets "
                                               "or signal other processes"),
        "[Errno 30] Read-only file system": _("write files only in the current folder"),
        "[Errno 28] No space left on device": _("the current folder holds at most {mb} MB",
                                                mb=box_limits.WORKDIR_LIMIT >> 20),
        "[Errno 27] File too large": _("a file may hold at most {mb} MB",
                                       mb=box_limits.FILE_SIZE_LIMIT >> 20),
    }
    for text, hint in limits.items():
        if message.startswith(text):
            return f" ({hint})"
    return ""
