"""Feedback that teaches: the likely mistake behind a wrong answer, on public cases only."""

import json

import numpy as np
import pytest

from conftest import ROOT, SUBMISSIONS
from grader.answers import mistakes
from grader.pipeline import compare, hints
from grader.declare import exercise
from grader.pipeline.verdict import Verdict

MISTAKES = sorted((ROOT / "reference" / "mistakes").glob("*/*.py"))


def first_failing_public(report):
    return next((c for c in report.cases if c.visibility == "public" and c.verdict is not Verdict.AC),
                None)


def test_every_exercise_declares_known_mistakes():
    assert len(exercise.available()) >= 6
    for exercise_id in exercise.available():
        found = mistakes.known(exercise.load(exercise_id))
        assert len(found) >= 4, exercise_id
        for mistake in found:
            assert mistake.description and mistake.catch, mistake.path
            assert "\n" not in mistake.description and len(mistake.description) < 240


# mistakes that crash (col2im/im2col called with the wrong geometry): their public cases are RE,
# and a runtime error carries its traceback, and the known mistake that raises the same error
RAISING = {"avgpool_backward/col2im_default_stride", "conv_backward/col2im_default_pad",
           "conv_backward/col2im_default_stride", "conv_forward/im2col_default_pad",
           "maxpool_backward/col2im_default_stride"}


def mistake_id(path):
    return f"{path.parent.name}/{path.stem}"


WRONG = [p for p in MISTAKES if mistake_id(p) not in RAISING]
CRASHING = [p for p in MISTAKES if mistake_id(p) in RAISING]


def test_the_crashing_mistakes_are_shipped():
    assert sorted(mistake_id(p) for p in CRASHING) == sorted(RAISING)


def assert_hidden_cases_bare(report):
    hidden = [c for c in report.cases if c.visibility == "hidden"]
    assert hidden
    for case in hidden:
        assert case.hint == "" and case.details == []


@pytest.mark.parametrize("path", WRONG, ids=[mistake_id(p) for p in WRONG])
def test_a_known_mistake_is_named_when_a_submission_makes_it(grade_file, path):
    report = grade_file(path, path.parent.name)
    assert report.verdict is Verdict.WA
    failing = first_failing_public(report)
    assert failing is not None, "no public case shows the mistake"
    assert failing.verdict is Verdict.WA
    description = next(m.description for m in mistakes.known(exercise.load(path.parent.name))
                       if m.path == path)
    assert failing.hint == description
    assert_hidden_cases_bare(report)


@pytest.mark.parametrize("path", CRASHING, ids=[mistake_id(p) for p in CRASHING])
def test_a_known_mistake_that_crashes_shows_its_traceback_and_is_named(grade_file, path):
    report = grade_file(path, path.parent.name)
    assert report.verdict is Verdict.RE
    failing = first_failing_public(report)
    assert failing is not None, "no public case shows the mistake"
    assert failing.verdict is Verdict.RE
    description = next(m.description for m in mistakes.known(exercise.load(path.parent.name))
                       if m.path == path)
    assert failing.hint == description
    assert failing.details and failing.details[0].startswith("line "), failing.details
    assert_hidden_cases_bare(report)


# ---------------------------------------------------------------- run errors

CONV_BODY = """
FN, C, FH, FW = self.W.shape
dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
self.db = np.sum(dout, axis=0)
self.dW = np.dot(self.col.T, dout).transpose(1, 0).reshape(FN, C, FH, FW)
dcol = np.dot(dout, self.col_W.T)
{call}
return dx
"""


def conv_with(tmp_path, call):
    from helpers import fill, write
    return write(tmp_path, "mine.py", fill("conv_backward", CONV_BODY.format(call=call)))


def test_another_way_of_leaving_out_the_stride_is_named(grade_file, tmp_path):
    path = conv_with(tmp_path, "dx = col2im(dcol, self.x.shape, FH, FW, 1, self.pad)")
    report = grade_file(path, "conv_backward")
    failing = first_failing_public(report)
    assert failing.verdict is Verdict.RE and "ValueError: col has shape" in failing.message
    assert failing.hint.startswith("col2im was called without the layer's stride")
    from grader.output import report as reports
    text = reports.to_text(report)
    assert "  likely mistake: col2im was called without the layer's stride" in text
    assert "  line " in text and "in col2im (called from your code)" in text   # the traceback stays
    doc = json.loads(reports.to_json(report))
    public = next(c for c in doc["cases"] if c["name"] == failing.name)
    assert public["hint"].startswith("col2im was called without the layer's stride")
    for case in doc["cases"]:
        if case["visibility"] == "hidden":
            assert case["hint"] is None and case["details"] == []
            assert "stride" not in case["message"]


@pytest.mark.parametrize("call", [
    "dx = col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad + 1)",   # another shape error
    "raise ValueError('col has shape (1, 1)')",                              # same type, other text
    "dx = col2im(dcol[:, :-1], self.x.shape, FH, FW, self.stride, self.pad)",
])
def test_an_error_no_known_mistake_raises_gets_no_hint(grade_file, tmp_path, call):
    report = grade_file(conv_with(tmp_path, call), "conv_backward")
    public = [c for c in report.cases if c.visibility == "public"]
    assert all(c.verdict is Verdict.RE and "ValueError" in c.message for c in public)
    # including the cases with stride 2, where the known mistake raises a ValueError too
    assert {"rect_filter_stride2_pad1", "integer_inputs_stride2"} <= {c.name for c in public}
    assert [c.hint for c in public] == [""] * len(public)


def test_an_error_hint_needs_the_same_phase_type_and_text():
    from grader.answers import expected
    from grader.declare import cases
    from grader.pipeline.decode import Raised
    ex = exercise.load("conv_backward")
    item = next(p for p in expected.prepare(ex, cases.load(ex)) if p.case.name == "integer_inputs_stride2")
    theirs = hints._run(ex, next(m for m in mistakes.known(ex) if m.name == "col2im_default_stride"), item)
    assert theirs.phase == "backward" and theirs.kind == "ValueError"
    same = Raised("backward", theirs.kind, theirs.message)
    assert hints.recognise_error(ex, item, same).startswith("col2im was called without the layer's stride")
    assert hints.recognise_error(ex, item, Raised("forward", theirs.kind, theirs.message)) == ""
    assert hints.recognise_error(ex, item, Raised("backward", "TypeError", theirs.message)) == ""
    assert hints.recognise_error(ex, item, Raised("backward", theirs.kind, theirs.message + ".")) == ""


def test_recognise_error_never_raises(monkeypatch):
    from grader.answers.expected import Prepared
    from grader.pipeline.decode import Raised
    monkeypatch.delenv("JUDGE_DEBUG", raising=False)
    ex = exercise.load("conv_backward")
    broken = Prepared(None, {}, {})           # no case: running a mistake on it fails
    assert hints.recognise_error(ex, broken, Raised("backward", "ValueError", "x")) == ""
    monkeypatch.setenv("JUDGE_DEBUG", "1")
    with pytest.raises(AttributeError):
        hints.recognise_error(ex, broken, Raised("backward", "ValueError", "x"))


@pytest.mark.parametrize("exercise_id, name, words", [
    ("conv_backward", "wrong_dw_no_transpose", "transpose it to (FN, C*FH*FW)"),
    ("conv_backward", "wrong_db_keepdims", "db has the wrong shape"),
    ("conv_backward", "wrong_db_untransposed", "dout.transpose(0, 2, 3, 1)"),
    ("maxpool_backward", "wrong_assign_overlap", "accumulate them with +="),
    ("maxpool_backward", "wrong_all_maxima", "the gradient went to all of them"),
    ("maxpool_backward", "wrong_last_max", "wrong where a window holds equal maxima"),
    ("maxpool_backward", "wrong_split_ties", "wrong where a window holds equal maxima"),
    ("avgpool_backward", "wrong_assign_overlap", "accumulate them with +="),
    ("avgpool_backward", "wrong_padding_not_counted", "even where the window covers padding"),
    ("affine_backward", "wrong_dw_first_sample", "first sample only"),
    ("affine_backward", "wrong_dw_transposed", "use x.T @ dout"),
    ("affine_backward", "wrong_db_keepdims", "db has the wrong shape"),
    ("softmax_with_loss_backward", "wrong_whole_columns", "dx[np.arange(N), t] -= 1"),
    ("conv_forward", "wrong_reshape_no_transpose", "then transpose(0, 3, 1, 2)"),
])
def test_other_ways_of_making_a_mistake_are_recognised(grade_file, exercise_id, name, words):
    report = grade_file(SUBMISSIONS / exercise_id / f"{name}.py", exercise_id)
    failing = first_failing_public(report)
    assert failing.verdict is Verdict.WA
    assert words in failing.hint, failing.hint


def test_a_hint_reaches_the_text_report_but_never_a_hidden_case(grade_file):
    from grader.output import report as reports
    report = grade_file(SUBMISSIONS / "maxpool_backward" / "wrong_assign_overlap.py",
                        "maxpool_backward")
    text = reports.to_text(report)
    assert "  likely mistake: gradients were assigned with = where pooling windows overlap" in text
    doc = json.loads(reports.to_json(report))
    hidden = [c for c in doc["cases"] if c["visibility"] == "hidden"]
    assert any(c["verdict"] == "WA" for c in hidden)
    for case in hidden:
        assert case["hint"] is None and case["details"] == []
        assert "overlap" not in case["message"]


def test_hints_can_be_turned_off(grade_file):
    report = grade_file(SUBMISSIONS / "maxpool_backward" / "wrong_assign_overlap.py",
                        "maxpool_backward", hints=False)
    assert "overlap" not in first_failing_public(report).hint


def test_tie_advice_needs_ties_in_the_input():
    from grader.answers.expected import Prepared
    from grader.declare.cases import Case, Draw
    ex = exercise.load("maxpool_backward")
    x = np.arange(2 * 1 * 4 * 4, dtype=float).reshape(2, 1, 4, 4)
    case = Case("c", 1, {"N": 2, "C": 1, "H": 4, "W": 4, "PH": 2, "PW": 2, "stride": 2, "pad": 0},
                {"x": Draw("normal", ()), "dout": Draw("normal", ())}, 1, "public", 1e-5, 1e-5, 1.0, 256)
    item = Prepared(case, {"x": x, "dout": np.ones((2, 1, 2, 2))}, {})
    # all values differ: nothing to run, no advice
    assert hints._right_without_ties(ex, item, "x", "unused", worker=None, options=None) is False


def test_recognise_never_raises(monkeypatch):
    from grader.answers.expected import Prepared
    monkeypatch.delenv("JUDGE_DEBUG", raising=False)
    ex = exercise.load("conv_backward")
    result = {name: np.zeros(2) for name in ex.outputs}
    broken = Prepared(None, {}, {})           # no expected arrays: the lookup inside fails
    assert hints.recognise(ex, broken, result, worker=None) == ""
    monkeypatch.setenv("JUDGE_DEBUG", "1")    # ... and that failure is real, not a silent path
    with pytest.raises(KeyError):
        hints.recognise(ex, broken, result, worker=None)


# ---------------------------------------------------------------- generic recognisers

def test_right_values_with_axes_swapped():
    e = np.arange(12.0).reshape(3, 4) - 5
    square = np.arange(16.0).reshape(4, 4) ** 1.5
    assert compare.pattern(square.T, square).startswith("the right values, transposed")
    four = np.random.default_rng(0).standard_normal((2, 3, 2, 3))
    assert "axes in the order (2, 1, 0, 3)" in compare.pattern(four.transpose(2, 1, 0, 3), four)
    assert compare.pattern(e + 1, e) == ""


def test_only_the_first_sample_right():
    e = np.random.default_rng(1).standard_normal((4, 3))
    got = np.zeros_like(e)
    got[0] = e[0]
    assert compare.pattern(got, e).startswith("only the first entry along axis 0 (the first sample)")


def test_right_values_in_the_wrong_places():
    e = np.random.default_rng(2).standard_normal((3, 5))
    got = e.reshape(5, 3).T.copy()
    assert compare.pattern(got, e).startswith("every expected value is there but some are in the wrong place")


def test_shape_messages_suggest_the_fix():
    ok = {"kind": "array"}
    db = np.zeros(4)
    m = compare.compare("db", ok, np.zeros((1, 4)), db, 1e-5, 1e-5)
    assert m.message == ("db has shape (1, 4) but must have shape (4,) "
                         "(an extra or a missing axis of size 1: keepdims=True, or a reshape?)")
    m = compare.compare("db", ok, np.zeros((4, 3, 3)), db, 1e-5, 1e-5)
    assert m.message.endswith("(2 axes too many: should the sum run over them too?)")
    m = compare.compare("dW", ok, np.zeros((6, 4)), np.zeros((4, 6)), 1e-5, 1e-5)
    assert m.message.endswith("(same sizes in another order: a transpose or reshape is off)")
