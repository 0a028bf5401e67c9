"""The verdict function, one rule at a time, and the decoder that feeds it."""

import signal

import numpy as np
import pytest

from grader.pipeline import compare
from grader.box import wire
from grader.pipeline.decide import Decision, Limits, RunFacts, State, decide
from grader.pipeline.decode import Garbled, Raised, Returned, Value, decode
from grader.pipeline.verdict import Verdict

LIMITS = Limits(time_s=2.0, memory_mb=256, output_bytes=1 << 20)
OK = Returned({"dx": Value({"kind": "array"}, np.zeros(2))})


def facts(state=State.EXITED, **more):
    more.setdefault("exit_code", 0 if state is State.EXITED else None)
    return RunFacts(state, **more)


def verdict(*args, **kwargs):
    decision = decide(*args, **kwargs)
    assert isinstance(decision, Decision)
    return decision.verdict, decision.reason


def mismatch(name="dx"):
    return compare.Mismatch(name, "value", f"{name} is wrong")


# ------------------------------------------------------------ what the box measured

def test_a_fault_of_the_box_is_the_judges_never_the_students():
    assert verdict(facts(State.BOX_FAULT, reason="the box's PID 1 ended"), LIMITS) == (Verdict.IE, "box_fault")
    assert verdict(facts(State.BOX_FAULT), LIMITS, OK, []) == (Verdict.IE, "box_fault")


def test_the_workers_clock_running_out_is_tle():
    assert verdict(facts(State.TIMEOUT, wall_ms=2000.5), LIMITS) == (Verdict.TLE, "wall_time")


def test_printing_past_the_limit_is_ole():
    assert verdict(facts(State.OUTPUT_LIMIT), LIMITS) == (Verdict.OLE, "output_limit")


def test_handing_back_too_much_is_wa():
    assert verdict(facts(State.RESULT_LIMIT), LIMITS) == (Verdict.WA, "result_limit")


def test_the_cpu_limit_is_tle():
    assert verdict(facts(State.SIGNALED, signal=signal.SIGXCPU, wall_ms=10), LIMITS) == (Verdict.TLE, "cpu_time")
    # the hard CPU limit kills; a SIGKILL after the case's time is the same thing
    assert verdict(facts(State.SIGNALED, signal=signal.SIGKILL, wall_ms=2500), LIMITS) == (Verdict.TLE, "cpu_time")


def test_a_crash_near_the_memory_limit_is_mle_elsewhere_re():
    near = 0.95 * 256 * 1024
    for sig in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGKILL):
        assert verdict(facts(State.SIGNALED, signal=sig, peak_rss_kb=int(near)), LIMITS) == \
            (Verdict.MLE, "crash_near_memory")
        assert verdict(facts(State.SIGNALED, signal=sig, peak_rss_kb=1000), LIMITS) == (Verdict.RE, "crash")
    # a signal that is no allocation failure stays RE even near the limit
    assert verdict(facts(State.SIGNALED, signal=signal.SIGXFSZ, peak_rss_kb=int(near)), LIMITS) == \
        (Verdict.RE, "crash")


def test_ending_without_results():
    assert verdict(facts(exit_code=0), LIMITS) == (Verdict.RE, "no_results")
    assert verdict(facts(exit_code=1, peak_rss_kb=250 * 1024), LIMITS) == (Verdict.MLE, "exit_near_memory")
    assert verdict(facts(exit_code=1, peak_rss_kb=10), LIMITS) == (Verdict.RE, "no_results")


# ------------------------------------------------------------ what the run handed back

def test_garbled_results_are_re():
    assert verdict(facts(), LIMITS, Garbled("truncated frame")) == (Verdict.RE, "garbled")
    assert verdict(facts(), LIMITS, Returned({}, problem="unexpected names")) == (Verdict.RE, "garbled")


def test_results_then_a_failed_exit_are_re():
    assert verdict(facts(exit_code=3), LIMITS, OK, []) == (Verdict.RE, "exit_code")


def test_errors_the_run_raised():
    raised = lambda phase, kind: Raised(phase, kind, "msg")  # noqa: E731
    assert verdict(facts(), LIMITS, raised("compile", "SyntaxError")) == (Verdict.CE, "compile")
    assert verdict(facts(), LIMITS, raised("backward", "MemoryError")) == (Verdict.MLE, "memory_error")
    assert verdict(facts(), LIMITS, raised("forward", "SystemExit")) == (Verdict.RE, "exit_called")
    assert verdict(facts(), LIMITS, raised("load", "KeyboardInterrupt")) == (Verdict.RE, "exit_called")
    assert verdict(facts(), LIMITS, raised("class", "NameError")) == (Verdict.RE, "no_class")
    assert verdict(facts(), LIMITS, raised("backward", "ValueError")) == (Verdict.RE, "raised")


def test_compared_outputs():
    assert verdict(facts(), LIMITS, OK, []) == (Verdict.AC, "accepted")
    decision = decide(facts(), LIMITS, OK, [mismatch("dx"), mismatch("db")])
    assert (decision.verdict, decision.reason, decision.facts["names"]) == (Verdict.WA, "wrong", ["dx", "db"])


def test_an_array_it_could_not_accept_comes_before_a_later_fault_but_not_an_earlier_one():
    bad = Value({"kind": "array"}, error="array has dtype <c16, not a real number type")
    first = Returned({"out": bad}, problem="missing array")
    assert verdict(facts(), LIMITS, first) == (Verdict.WA, "unacceptable")
    later = Returned({"out": Value({"kind": "none"}), "dx": bad}, problem="extra arrays")
    assert verdict(facts(), LIMITS, later) == (Verdict.WA, "unacceptable")
    earlier = Returned({}, problem="malformed value")
    assert verdict(facts(), LIMITS, earlier) == (Verdict.RE, "garbled")


def test_facts_from_the_wire_are_checked_strictly():
    assert RunFacts.from_wire({"state": "exploded"}).state is State.BOX_FAULT
    got = RunFacts.from_wire({"state": "signaled", "signal": True, "exit_code": "0", "wall_ms": "9",
                              "peak_rss_kb": 12.5, "cpu_ms": 3})
    assert (got.state, got.signal, got.exit_code, got.wall_ms, got.peak_rss_kb, got.cpu_ms) == \
        (State.SIGNALED, None, None, 0.0, None, 3)


# ------------------------------------------------------------ the decoder

OUTPUTS = ["out", "dx"]
EXPECTED = {"out": np.zeros((2, 3)), "dx": np.zeros(4)}


def result(header, *arrays):
    return wire.json_frame(header) + b"".join(wire.frame(wire.encode_array(a)) for a in arrays)


def test_decode_reads_every_output_in_order():
    got = decode(result({"status": "ok", "elapsed_ms": 1.5, "values": {"out": {"kind": "array"},
                                                                       "dx": {"kind": "none"}}},
                        np.ones((2, 3))), OUTPUTS, EXPECTED)
    assert isinstance(got, Returned) and not got.problem and got.elapsed_ms == 1.5
    assert got.arrays()["out"].shape == (2, 3) and got.arrays()["dx"] is None


@pytest.mark.parametrize("header,arrays,problem", [
    ({"status": "ok", "values": {"out": {"kind": "array"}}}, [], "unexpected names"),
    ({"status": "ok", "values": {"out": [], "dx": {"kind": "none"}}}, [], "malformed value"),
    ({"status": "ok", "values": {"out": {"kind": "array"}, "dx": {"kind": "none"}}}, [], "missing array"),
    ({"status": "ok", "values": {"out": {"kind": "none"}, "dx": {"kind": "none"}}}, [np.ones(1)], "extra arrays"),
])
def test_decode_names_the_first_structural_fault(header, arrays, problem):
    assert decode(result(header, *arrays), OUTPUTS, EXPECTED).problem == problem


def test_decode_caps_each_array_by_the_expected_size():
    huge = np.zeros((2, 600))
    got = decode(result({"status": "ok", "values": {"out": {"kind": "none"}, "dx": {"kind": "array"}}},
                        huge), OUTPUTS, EXPECTED)
    assert "1200 elements, more than the 1040 allowed" in got.values["dx"].error and got.values["dx"].array is None
    fits = decode(result({"status": "ok", "values": {"out": {"kind": "none"}, "dx": {"kind": "array"}}},
                         np.zeros(1040)), OUTPUTS, EXPECTED)
    assert fits.values["dx"].array.shape == (1040,) and not fits.values["dx"].error


def test_decode_garbled_and_raised():
    assert isinstance(decode(b"\x00\x00\x00", OUTPUTS, EXPECTED), Garbled)
    assert decode(wire.json_frame({"status": "maybe"}), OUTPUTS, EXPECTED) == Garbled("malformed header")
    raised = decode(wire.json_frame({"status": "error", "phase": "backward", "type": "ValueError",
                                     "message": "x" * 900, "line": True,
                                     "frames": [["submission.py", 3, "f"], "junk"]}), OUTPUTS, EXPECTED)
    assert isinstance(raised, Raised) and len(raised.message) == 500 and raised.line is None
    assert raised.frames == [["submission.py", 3, "f"]]
