"""The shipped cases accept every correct variant and catch every wrong one."""

import pytest

from conftest import SUBMISSIONS
from grader.pipeline.verdict import Verdict
from helpers import skeleton, write

EXERCISES = ["conv_backward", "maxpool_backward"]


def files(prefix):
    return [pytest.param(path, id=f"{path.parent.name}/{path.stem}")
            for exercise in EXERCISES
            for path in sorted((SUBMISSIONS / exercise).glob(f"{prefix}_*.py"))]


def test_there_are_enough_variants():
    for exercise in EXERCISES:
        assert len(list((SUBMISSIONS / exercise).glob("correct_*.py"))) >= 4
        assert len(list((SUBMISSIONS / exercise).glob("wrong_*.py"))) >= 10


@pytest.mark.parametrize("path", files("correct"))
def test_correct_variants_are_accepted(grade_file, path):
    report = grade_file(path, path.parent.name)
    assert report.verdict is Verdict.AC, [(c.name, c.message) for c in report.cases]
    assert report.score == report.max_score == 100


@pytest.mark.parametrize("path", files("wrong"))
def test_wrong_variants_are_caught_on_a_public_case(grade_file, path):
    report = grade_file(path, path.parent.name)
    assert report.verdict is not Verdict.AC
    assert report.score < report.max_score
    failed_public = [c for c in report.cases if c.visibility == "public" and c.verdict is not Verdict.AC]
    failed_hidden = [c for c in report.cases if c.visibility == "hidden" and c.verdict is not Verdict.AC]
    assert failed_public, "a student would get no visible hint"
    assert failed_hidden
    assert all(c.verdict in (Verdict.WA, Verdict.RE) for c in failed_public + failed_hidden)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_unfilled_skeleton_fails_everywhere(grade_file, tmp_path, exercise):
    path = write(tmp_path, "skeleton.py", skeleton(exercise))
    report = grade_file(path, exercise)
    assert report.verdict is Verdict.WA
    assert report.score == 0
    public = next(c for c in report.cases if c.visibility == "public")
    assert "dx is None" in public.message
