"""The verdict of one case: a pure function of what the box measured and what the run handed back.

``RunFacts`` is what the worker reports for a case, every figure measured on
the judge's side of the box (SECURITY.md lists the states); the decoded
result and the comparison with the expected arrays complete the picture.
``decide`` turns them into a ``Decision``: a verdict, a reason code and the
figures a message needs. It does no I/O and knows no text: ``grade`` words it.
"""

import signal
from dataclasses import dataclass, field
from enum import Enum

from grader.pipeline.decode import Garbled, Raised
from grader.pipeline.verdict import Verdict
from grader.settings import DEFAULTS

MLE_MARGIN = DEFAULTS.mle_margin
CRASHES = (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGKILL)


class State(str, Enum):
    EXITED = "exited"                   # the run ended, or handed back this case's results
    SIGNALED = "signaled"               # the run was ended by a signal
    TIMEOUT = "timeout"                 # the worker's clock ran out: the box ended the run
    OUTPUT_LIMIT = "output_limit"       # it printed more than the limit
    RESULT_LIMIT = "result_limit"       # it handed back more than the results may hold
    BOX_FAULT = "box_fault"             # the judge's side failed: never the submission's fault


@dataclass(frozen=True)
class RunFacts:
    state: State
    exit_code: object = None
    signal: object = None
    wall_ms: float = 0.0
    cpu_ms: object = None
    peak_rss_kb: object = None
    reason: str = ""

    @classmethod
    def from_wire(cls, envelope):
        """Facts from the worker's envelope; anything malformed is the box's fault."""
        try:
            state = State(envelope.get("state"))
        except ValueError:
            return cls(State.BOX_FAULT, reason=f"unknown state {str(envelope.get('state'))[:40]!r}")

        def number(key, kind=(int, float)):
            value = envelope.get(key)
            return value if isinstance(value, kind) and not isinstance(value, bool) else None

        return cls(state, number("exit_code", int), number("signal", int),
                   float(number("wall_ms") or 0.0), number("cpu_ms"), number("peak_rss_kb", int),
                   str(envelope.get("reason") or "")[:300])


@dataclass(frozen=True)
class Limits:
    time_s: float
    memory_mb: int
    output_bytes: int


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str                         # a code: what the message explains
    facts: dict = field(default_factory=dict)


def decide(facts, limits, returned=None, mismatches=None):
    """The case's Decision.

    ``returned`` is what ``decode.decode`` made of the result frame (None when
    there was none); ``mismatches`` the list of ``compare.Mismatch`` for the
    outputs (None when nothing was compared)."""
    state = facts.state
    if state is State.BOX_FAULT:
        return Decision(Verdict.IE, "box_fault", {"reason": facts.reason})
    if state is State.TIMEOUT:
        return Decision(Verdict.TLE, "wall_time")
    if state is State.OUTPUT_LIMIT:
        return Decision(Verdict.OLE, "output_limit")
    if state is State.RESULT_LIMIT:
        return Decision(Verdict.WA, "result_limit")
    near_memory = (facts.peak_rss_kb or 0) >= MLE_MARGIN * limits.memory_mb * 1024
    if state is State.SIGNALED:
        sig = facts.signal
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and facts.wall_ms >= limits.time_s * 1000):
            return Decision(Verdict.TLE, "cpu_time")
        if near_memory and sig in CRASHES:
            return Decision(Verdict.MLE, "crash_near_memory", {"signal": sig})
        return Decision(Verdict.RE, "crash", {"signal": sig})
    if returned is None:
        if facts.exit_code and near_memory:
            return Decision(Verdict.MLE, "exit_near_memory", {"exit_code": facts.exit_code})
        return Decision(Verdict.RE, "no_results", {"exit_code": facts.exit_code})
    if isinstance(returned, Garbled):
        return Decision(Verdict.RE, "garbled", {"reason": returned.reason})
    if facts.exit_code != 0:
        return Decision(Verdict.RE, "exit_code", {"exit_code": facts.exit_code})
    if isinstance(returned, Raised):
        return _raised(returned)
    return _returned(returned, mismatches or [])


def _raised(raised):
    if raised.phase == "compile":
        return Decision(Verdict.CE, "compile")
    if raised.kind == "MemoryError":
        return Decision(Verdict.MLE, "memory_error")
    if raised.kind in ("SystemExit", "KeyboardInterrupt"):
        return Decision(Verdict.RE, "exit_called")
    if raised.phase == "class":
        return Decision(Verdict.RE, "no_class")
    return Decision(Verdict.RE, "raised")


def _returned(returned, mismatches):
    # The decoder stops at the first output it cannot place; an array it could
    # not accept before that point comes first, as it does in output order.
    for name, value in returned.values.items():
        if value.error:
            return Decision(Verdict.WA, "unacceptable", {"name": name, "error": value.error})
    if returned.problem:
        return Decision(Verdict.RE, "garbled", {"reason": returned.problem})
    if mismatches:
        return Decision(Verdict.WA, "wrong", {"names": [m.name for m in mismatches]})
    return Decision(Verdict.AC, "accepted")
