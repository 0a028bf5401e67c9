"""Broken case files from instructors: every one gets one-line problems naming the file.

The shipped case files are mutated many ways with a seeded generator (keys
deleted, values of the wrong type, text cut short, stray bytes, bad
indentation, huge numbers, NaN, lists for mappings, alias bombs...). The
loader must never raise, and every problem it reports is one line that starts
with the file's name.
"""

import random
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from grader.declare import cases, exercise

SHIPPED = sorted((ROOT / "cases").glob("*/*.yaml"))
VARIANTS_PER_FILE = 80
ODD_VALUES = ["[]", "{}", "[1, 2]", "{a: 1}", "null", "~", "true", "no", "''", "'12'", ".nan", "-.inf",
              "1e309", "99999999999999999999999999999", "-1", "0", "3.5", "0x10", "!!binary aGk=",
              "!!python/object:os.system {}", "*undefined", "&anchor 1", "[[[[[[[[[[]]]]]]]]]]",
              "\"\\x00\"", "\"\\ud800\"", "{name: {name: {name: x}}}", "|\n  text", ">-", "?", "- - -"]
BOMB = ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "cases: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n")


def mutate(text, rng):
    lines = text.split("\n")
    kind = rng.randrange(12)
    pick = rng.randrange(len(lines))
    if kind == 0:                                    # delete a line (a key, a case's start)
        del lines[pick]
    elif kind == 1:                                  # a value of the wrong type
        line = lines[pick]
        if ":" in line:
            key = line.split(":", 1)[0]
            lines[pick] = f"{key}: {rng.choice(ODD_VALUES)}"
    elif kind == 2:                                  # the file cut short
        return text[:rng.randrange(len(text) + 1)]
    elif kind == 3:                                  # stray characters
        spot = rng.randrange(len(text) + 1)
        junk = "".join(chr(rng.choice([0, 7, 9, 27, 0x85, 0xFEFF, 0x2028, rng.randrange(32, 0x2FFF)]))
                       for _ in range(rng.randrange(1, 6)))
        return text[:spot] + junk + text[spot:]
    elif kind == 4:                                  # wrong indentation
        lines[pick] = " " * rng.choice([1, 3, 5, 9]) + lines[pick].lstrip()
    elif kind == 5:                                  # a flow mapping's braces broken
        lines[pick] = lines[pick].replace("{", "[", 1) if rng.random() < 0.5 else lines[pick].replace("}", "", 1)
    elif kind == 6:                                  # a number replaced in place
        line = lines[pick]
        digits = [i for i, c in enumerate(line) if c.isdigit()]
        if digits:
            i = rng.choice(digits)
            lines[pick] = line[:i] + rng.choice(["-7", "1e400", "nan", "10" * 30, "0.5", "x", "True"]) + line[i + 1:]
    elif kind == 7:                                  # a mapping where a list was, or the reverse
        return text.replace("cases:", rng.choice(["cases: {}", "cases: 5", "cases:\n  a: 1\ncases2:"]), 1)
    elif kind == 8:                                  # a key written twice
        lines.insert(pick, lines[pick])
    elif kind == 9:                                  # the whole document of another type
        return rng.choice(["", "---", "[]", "42", "cases", "- 1\n- 2", "cases: []", BOMB, "\x00",
                           "cases:\n  - " * 50, "[" * 5000, "{" * 5000 + "}" * 5000])
    elif kind == 10:                                 # a key misspelled or unknown
        line = lines[pick]
        if ":" in line:
            key, rest = line.split(":", 1)
            lines[pick] = f"{key}x:{rest}" if rng.random() < 0.5 else f"{key.upper()}:{rest}"
    else:                                            # several mutations at once
        for _ in range(3):
            text = mutate(text, rng)
        return text
    return "\n".join(lines)


def check_problems(problems, label):
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, str)
        assert "\n" not in problem and "\r" not in problem, problem
        assert problem.startswith(label + ":"), problem
        assert len(problem) < 600, problem[:200]
        assert "Traceback" not in problem


@pytest.mark.parametrize("path", SHIPPED, ids=[f"{p.parent.name}/{p.name}" for p in SHIPPED])
def test_mutated_case_files_get_one_line_problems(path):
    ex = exercise.load(path.parent.name)
    text = path.read_text(encoding="utf-8")
    label = cases.display(path)
    rng = random.Random(f"{path.parent.name}/{path.name}")
    broken = 0
    for _ in range(VARIANTS_PER_FILE):
        variant = mutate(text, rng)
        found, problems = cases.parse_file(path, ex, text=variant)
        check_problems(problems, label)
        broken += bool(problems)
        for case in found:
            assert case.time_limit > 0 and case.memory_limit >= 16 and case.points >= 0
    assert broken >= VARIANTS_PER_FILE // 3        # the mutations really break files


def test_validate_command_on_broken_files(tmp_path):
    folder = tmp_path / "cases" / "conv_backward"
    folder.mkdir(parents=True)
    source = (ROOT / "cases" / "conv_backward" / "01-public.yaml").read_text(encoding="utf-8")
    rng = random.Random(7)
    for index in range(6):
        (folder / f"{index:02d}.yaml").write_text(mutate(source, rng), encoding="utf-8")
    (folder / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    (folder / "binary.yaml").write_bytes(b"cases:\n  - \xff\xfe\x00\x81")
    done = subprocess.run([sys.executable, str(ROOT / "judge.py"), "cases", "validate", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(Path(line.split(":", 1)[0]).name.endswith(".yaml") for line in lines)
    assert any("bomb.yaml" in line for line in lines) and any("binary.yaml: is not UTF-8" in line
                                                               for line in lines)
    assert done.stderr.count("\n") == 1 and "problem" in done.stderr
