"""Every way a case file can be wrong gets its own clear one-line message."""

import pytest

from grader.declare import cases, exercise
from helpers import case_file

GOOD = "{name: ok, seed: 1, params: {N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 3, FW: 3}}"


def problems_of(tmp_path, text, name="c.yaml"):
    path = case_file(tmp_path, text, name)
    found, problems = cases.parse_file(path, exercise.load("conv_backward"))
    return found, problems


def one_problem(tmp_path, text):
    found, problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    assert "\n" not in problems[0]
    return problems[0]


def case(**override):
    base = {"name": "'bad'", "seed": "1",
            "params": "{N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 3, FW: 3}"}
    base.update(override)
    body = ", ".join(f"{k}: {v}" for k, v in base.items() if v is not None)
    return "cases:\n  - {" + body + "}\n"


def test_a_good_case_loads_with_defaults(tmp_path):
    found, problems = problems_of(tmp_path, f"cases:\n  - {GOOD}\n")
    assert problems == []
    (c,) = found
    assert c.params["stride"] == 1 and c.params["pad"] == 0
    assert (c.points, c.visibility, c.atol, c.rtol) == (1, "public", 1e-5, 1e-5)
    assert c.time_limit == 5.0 and c.memory_limit == 1024
    assert c.draw["x"].dist == "normal"


@pytest.mark.parametrize("text, expected", [
    ("cases: [\n", "line 2, column 1: invalid YAML"),
    ("", "the file must be a mapping with a `cases:` list, got an empty file"),
    ("- 1\n- 2\n", "the file must be a mapping with a `cases:` list, got list"),
    ("exercise: conv_backward\n", "cases: missing"),
    ("cases: []\n", "cases: expected a non-empty list of cases"),
    ("cases: {a: 1}\n", "cases: expected a non-empty list of cases"),
    (f"cases:\n  - {GOOD}\nextra: 1\n", "extra: unknown key"),
    (f"exercise: maxpool_backward\ncases:\n  - {GOOD}\n", "exercise: says 'maxpool_backward'"),
    ("cases:\n  - 5\n", "case #1: expected a mapping"),
    (f"cases:\n  - {GOOD}\n  - {GOOD}\n", None),  # duplicates are found by load(), see below
    ("cases:\n  - {name: a, name: b, seed: 1}\n", "key 'name' is written twice"),
])
def test_file_level_problems(tmp_path, text, expected):
    found, problems = problems_of(tmp_path, text)
    if expected is None:
        assert problems == []
        return
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{cases.display(tmp_path / 'c.yaml')}: "), problems[0]
    assert expected in problems[0], problems[0]


@pytest.mark.parametrize("override, expected", [
    ({"name": None}, "case #1: name: missing"),
    ({"name": "'has space'"}, "name: 'has space' is not a valid name"),
    ({"name": "3"}, "name: 3 is not a valid name"),
    ({"seed": None}, "case 'bad': seed: missing"),
    ({"seed": "-1"}, "seed: must be at least 0"),
    ({"seed": "1.5"}, "seed: expected a whole number, got 1.5"),
    ({"seed": "true"}, "seed: expected a whole number, got True"),
    ({"params": "5"}, "params: expected a mapping of N, C, H, W, FN, FH, FW, stride, pad"),
    ({"params": "{N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 3}"}, "params.FW: missing (filter width)"),
    ({"params": "{N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 3, FW: 3, strid: 2}"},
     "params.strid: unknown parameter (did you mean 'stride'?)"),
    ({"params": "{N: 0, C: 1, H: 4, W: 4, FN: 1, FH: 3, FW: 3}"}, "params.N: must be at least 1, got 0"),
    ({"params": "{N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 3, FW: 3, pad: -1}"}, "params.pad: must be at least 0"),
    ({"params": "{N: 1, C: 1, H: 4, W: 4, FN: 1, FH: 3, FW: 3, stride: 1.5}"}, "params.stride: expected a whole number"),
    ({"params": "{N: 1, C: 1, H: 2, W: 4, FN: 1, FH: 3, FW: 3}"},
     "params: the filter is taller than the padded input (H + 2*pad >= FH does not hold)"),
    ({"params": "{N: 1000, C: 100, H: 30, W: 30, FN: 1, FH: 3, FW: 3}"}, "more than the 20,000,000"),
    ({"draw": "gaussian"}, "draw.dist: must be one of normal, uniform, integers, got 'gaussian'"),
    ({"draw": "5"}, "draw: expected a distribution name"),
    ({"draw": "{y: normal}"}, "draw.y: unknown input"),
    ({"draw": "{x: {dist: integers, low: 3, high: 1}}"}, "draw.x: low (3) is greater than high (1)"),
    ({"draw": "{x: {dist: integers, low: 0.5}}"}, "draw.x.low: expected a whole number"),
    ({"draw": "{x: {dist: normal, std: 0}}"}, "draw.x.std: must be greater than 0"),
    ({"draw": "{x: {dist: normal, low: 1}}"}, "draw.x.low: normal takes mean, std"),
    ({"draw": "{x: [1]}"}, "draw.x: expected a distribution name or {dist: NAME, ...}"),
    ({"draw": "{dist: uniform, low: x}"}, "draw.low: expected a number, got 'x'"),
    ({"points": "-2"}, "points: must be at least 0"),
    ({"points": "ten"}, "points: expected a whole number, got 'ten'"),
    ({"visibility": "secret"}, "visibility: must be public or hidden, got 'secret'"),
    ({"tolerance": "1e-5"}, "tolerance: expected {atol: NUMBER, rtol: NUMBER}"),
    ({"tolerance": "{atol: -1}"}, "tolerance.atol: must be at least 0"),
    ({"tolerance": "{atol: .nan}"}, "tolerance.atol: expected a number, got nan"),
    ({"tolerance": "{abs: 1}"}, "tolerance.abs: unknown key"),
    ({"time_limit": "0"}, "time_limit: must be greater than 0, got 0 (seconds)"),
    ({"time_limit": "1000"}, "time_limit: must be at most 120.0, got 1000 (seconds)"),
    ({"memory_limit": "8"}, "memory_limit: must be at least 16, got 8 (megabytes)"),
    ({"memory_limit": "big"}, "memory_limit: expected a whole number, got 'big' (megabytes)"),
    ({"description": "[1]"}, "description: expected text"),
    ({"pionts": "1"}, "pionts: unknown key (did you mean 'points'?)"),
])
def test_case_level_problems(tmp_path, override, expected):
    problem = one_problem(tmp_path, case(**override))
    assert "c.yaml: case" in problem
    assert expected in problem, problem


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    _, problems = problems_of(tmp_path, case(seed="-1", points="x", visibility="no"))
    assert len(problems) == 3


def test_yaml_errors_name_the_line(tmp_path):
    _, problems = problems_of(tmp_path, "cases:\n  - name: a\n    seed: [1\n")
    assert "invalid YAML" in problems[0] and "line" in problems[0]


def test_non_utf8_case_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"cases:\n  - {name: \xff}\n")
    _, problems = cases.parse_file(path, exercise.load("conv_backward"))
    assert "is not UTF-8 text" in problems[0]


def test_duplicate_names_across_files(tmp_path):
    case_file(tmp_path, f"cases:\n  - {GOOD}\n", "a.yaml")
    case_file(tmp_path, f"cases:\n  - {GOOD}\n", "b.yaml")
    with pytest.raises(cases.CaseFileError) as err:
        cases.load(exercise.load("conv_backward"), tmp_path)
    assert "case 'ok': name: already used in" in str(err.value)


def test_load_reports_missing_and_empty_paths(tmp_path):
    ex = exercise.load("conv_backward")
    with pytest.raises(cases.JudgeError, match="no such file or folder"):
        cases.load(ex, tmp_path / "missing")
    with pytest.raises(cases.JudgeError, match="no .yaml case files here"):
        cases.load(ex, tmp_path)


def test_validate_a_folder_with_unknown_exercise(tmp_path):
    case_file(tmp_path, f"cases:\n  - {GOOD}\n")
    count, problems = cases.validate(tmp_path)
    assert count == 0
    assert "cannot tell which exercise" in problems[0]


def test_validate_uses_the_exercise_key(tmp_path):
    path = case_file(tmp_path, f"exercise: conv_backward\ncases:\n  - {GOOD}\n")
    assert cases.validate(path) == (1, [])


def test_shipped_cases_are_valid():
    count, problems = cases.validate()
    assert problems == []
    assert count >= 20


def test_shipped_cases_cover_what_a_careful_instructor_would():
    conv = cases.load(exercise.load("conv_backward"))
    pool = cases.load(exercise.load("maxpool_backward"))
    for found, kh, kw in ((conv, "FH", "FW"), (pool, "PH", "PW")):
        p = [c.params for c in found]
        assert any(x["N"] > 1 for x in p) and any(x["C"] > 1 for x in p)
        assert any(x["H"] != x["W"] for x in p)
        assert any(x[kh] != x[kw] for x in p)
        assert any(x["stride"] > 1 for x in p) and any(x["pad"] > 0 for x in p)
        assert any((x["H"] + 2 * x["pad"] - x[kh]) % x["stride"] for x in p)
        assert any(x["N"] >= 8 and x["C"] >= 16 and x["H"] >= 28 for x in p)
        assert {c.visibility for c in found} == {"public", "hidden"}
        assert sum(c.points for c in found) == 100
    assert any(c.params["FH"] == c.params["FW"] == 1 for c in conv)
    assert any(c.params["stride"] < max(c.params["PH"], c.params["PW"]) for c in pool)
    assert any(c.draw["x"].dist == "integers" for c in pool)
