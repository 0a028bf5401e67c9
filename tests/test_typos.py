"""Nothing is lost to a typo: a bad --output fails before any grading, one broken
exercise hides none of the others, and a student folder with several files is
not guessed at."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from grader import batch
from helpers import fill, write
from unprivileged import ordinary_user  # noqa: F401 - the fixture

SEED = str(ROOT / "tests" / "submissions" / "conv_backward" / "correct_seed.py")
SEED_BODY = (ROOT / "tests" / "submissions" / "conv_backward" / "correct_seed.py").read_text()


def judge(*args, env=None, cwd=None):
    full = dict(os.environ, NO_COLOR="1")
    full.update(env or {})
    return subprocess.run([sys.executable, str(ROOT / "judge.py"), *map(str, args)],
                          capture_output=True, text=True, env=full, cwd=cwd, timeout=300)


@pytest.mark.parametrize("command", ["grade", "batch"])
def test_output_into_a_missing_folder_fails_before_grading(tmp_path, command):
    target = tmp_path / "no" / "such" / "grades.csv"
    # the exercise id is wrong too: had the grading started, that would be the error
    done = judge(command, SEED, "-e", "no_such_exercise", "-o", target)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"the folder {tmp_path / 'no' / 'such'} does not exist" in done.stderr
    assert "mkdir -p" in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("command", ["grade", "batch"])
def test_output_under_a_file_fails_before_grading(tmp_path, command):
    blocker = tmp_path / "grades"
    blocker.write_text("an old file, not a folder\n")
    done = judge(command, SEED, "-e", "no_such_exercise", "-o", blocker / "out.csv")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"{blocker} is not a folder" in done.stderr
    assert blocker.read_text() == "an old file, not a folder\n"


def test_a_good_output_path_still_works(tmp_path):
    target = tmp_path / "report.txt"
    done = judge("grade", SEED, "-e", "conv_backward", "-o", target)
    assert done.returncode == 0, done.stderr
    assert target.read_text().rstrip("\n").split("\n")[-1].startswith("Result: AC")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]   # no probe file left


def test_an_ordinary_user_cannot_write_into_a_root_folder(ordinary_user, tmp_path):
    user = ordinary_user
    if os.geteuid() != 0:
        pytest.skip("needs root to make a folder the ordinary user may not write")
    locked = user.home.parent / "locked-grades"
    locked.mkdir(mode=0o755, exist_ok=True)
    os.chmod(locked, 0o755)                       # root's, not writable by 65534
    seed = user.project / "tests" / "submissions" / "conv_backward" / "correct_seed.py"
    done = user.judge("batch", seed, "-e", "no_such_exercise", "-o", locked / "grades.csv")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert f"cannot write into {locked} (permission denied)" in done.stderr
    assert list(locked.iterdir()) == []


@pytest.fixture
def home(tmp_path):
    """A copy of exercises/, reference/ and cases/ (JUDGE_HOME) that a test may break."""
    for name in ("exercises", "reference", "cases"):
        shutil.copytree(ROOT / name, tmp_path / name, copy_function=shutil.copy)
    return tmp_path


def test_list_shows_every_exercise_and_the_broken_one(home):
    broken = home / "exercises" / "maxpool_backward" / "exercise.yaml"
    broken.write_text("id: maxpool_backward\nclass: [unclosed\n")
    done = judge("list", env={"JUDGE_HOME": str(home)})
    assert done.returncode == 1, done.stderr
    lines = done.stdout.rstrip("\n").split("\n")
    ids = [line.split()[0] for line in lines]
    assert ids == sorted(p.name for p in (home / "exercises").iterdir()
                         if (p / "exercise.yaml").is_file())
    bad = [line for line in lines if line.startswith("maxpool_backward")]
    assert len(bad) == 1 and "cannot be loaded:" in bad[0] and "exercise.yaml" in bad[0]
    good = [line for line in lines if line.startswith("conv_backward ")]
    assert len(good) == 1 and "cases (" in good[0]
    assert "Traceback" not in done.stdout + done.stderr


def test_a_folder_with_several_files_and_no_submission_py_is_ce(tmp_path):
    klass = tmp_path / "class"
    several = klass / "lei"
    several.mkdir(parents=True)
    write(several, "conv.py", SEED_BODY)
    write(several, "scratch.py", "print('trying things')\n")
    chosen = klass / "mei"
    chosen.mkdir()
    write(chosen, "submission.py", SEED_BODY)
    write(chosen, "notes.py", "x = 1\n")
    alone = klass / "zoe"
    alone.mkdir()
    write(alone, "my_conv.py", fill("conv_backward", "raise RuntimeError('x')"))
    entries = {e.student: e for e in batch.collect([str(klass)])}
    assert entries["lei"].problem and entries["mei"].problem is None
    assert entries["mei"].path.endswith("mei/submission.py")
    assert entries["zoe"].path.endswith("zoe/my_conv.py")
    out = tmp_path / "grades.json"
    done = judge("batch", klass, "-e", "conv_backward", "--format", "json", "-o", out)
    assert done.returncode == 0, done.stderr
    import json
    rows = {r["student"]: r for r in json.loads(out.read_text())["submissions"]}
    assert rows["lei"]["verdict"] == "CE"
    message = rows["lei"]["compile_error"]
    assert "2 .py files (conv.py, scratch.py) and no submission.py" in message
    assert "name the file to grade submission.py" in message
    assert rows["mei"]["verdict"] == "AC"
    assert rows["zoe"]["verdict"] == "RE"


# ---------------------------------------------------------------- gradebooks that import

WRONG = (ROOT / "tests" / "submissions" / "conv_backward" / "wrong_sign_flip.py").read_text()


def moodle_download(tmp_path):
    """What Moodle's "Download all submissions" unpacks to: a folder per participant."""
    root = tmp_path / "moodle"
    for folder, text in (("Zhang San_1001_assignsubmission_file_", SEED_BODY),
                         ("李四_1002_assignsubmission_file_", WRONG)):
        (root / folder).mkdir(parents=True)
        (root / folder / "conv.py").write_text(text)
    return root


def test_moodle_worksheet_from_a_moodle_download(tmp_path):
    import csv
    out = tmp_path / "worksheet.csv"
    done = judge("batch", moodle_download(tmp_path), "-e", "conv_backward", "--format", "moodle",
                 "--id-pattern", "moodle", "-o", out)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    # the columns Moodle's offline grading worksheet upload reads
    assert list(rows[0]) == ["Identifier", "Full name", "Status", "Grade", "Maximum Grade",
                             "Grade can be changed", "Feedback comments"]
    by_id = {r["Identifier"]: r for r in rows}
    assert set(by_id) == {"Participant 1001", "Participant 1002"}
    assert by_id["Participant 1001"]["Full name"] == "Zhang San"
    assert by_id["Participant 1001"]["Grade"] == "100.00"
    assert by_id["Participant 1001"]["Maximum Grade"] == "100.00"
    assert by_id["Participant 1002"]["Full name"] == "李四"
    assert float(by_id["Participant 1002"]["Grade"]) < 100
    assert by_id["Participant 1002"]["Feedback comments"].startswith("WA (wrong answer)")
    # Moodle strips "Participant " and reads the number
    assert all(r["Identifier"][len("Participant "):].isdigit() for r in rows)


def test_moodle_without_participant_numbers_is_refused_before_grading(tmp_path):
    done = judge("batch", SEED, "-e", "conv_backward", "--format", "moodle")
    assert done.returncode == 2
    assert "'correct_seed' is not a participant number" in done.stderr
    assert "--id-pattern moodle" in done.stderr and done.stdout == ""


def test_canvas_gradebook_from_canvas_download_names(tmp_path):
    import csv
    folder = tmp_path / "canvas"
    folder.mkdir()
    (folder / "zhangsan_12345_67890_conv.py").write_text(SEED_BODY)
    (folder / "lisi_LATE_23456_67891_conv.py").write_text(WRONG)
    out = tmp_path / "canvas.csv"
    done = judge("batch", folder, "-e", "conv_backward", "--format", "canvas", "--id-pattern",
                 "canvas", "--assignment", "Conv backward (777)", "--bom", "-o", out)
    assert done.returncode == 0, done.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(out.open(encoding="utf-8-sig", newline="")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Conv backward (777)"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == "100"
    students = {r[1]: r for r in rows[2:]}
    assert set(students) == {"12345", "23456"}
    assert students["12345"][0] == "zhangsan" and students["12345"][5] == "100"
    assert int(students["23456"][5]) < 100


def test_canvas_without_a_pattern_uses_the_sis_user_id(tmp_path):
    import csv
    out = tmp_path / "canvas.csv"
    done = judge("batch", SEED, "-e", "conv_backward", "--format", "canvas", "-o", out)
    assert done.returncode == 0, done.stderr
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert rows[0][-1] == "conv_backward"
    assert rows[2] == ["correct_seed", "", "correct_seed", "", "", "100"]


@pytest.mark.parametrize("pattern, error", [
    ("(unclosed", "not a regular expression"),
    ("no_group", "has no group to take the id from"),
    ("^zz(\\d+)", "its name does not match --id-pattern"),
])
def test_a_bad_id_pattern_is_one_line_before_grading(tmp_path, pattern, error):
    done = judge("batch", SEED, "-e", "conv_backward", "--id-pattern", pattern)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and error in done.stderr
    assert done.stdout == ""


def test_feedback_dir_holds_each_students_own_report(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "alice.py").write_text(SEED_BODY)
    (klass / "bob.py").write_text(WRONG)
    feedback = tmp_path / "feedback"
    done = judge("batch", klass, "-e", "conv_backward", "--feedback-dir", feedback)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in feedback.iterdir()) == ["alice.txt", "bob.txt"]
    alone = judge("grade", klass / "bob.py", "-e", "conv_backward")
    bob = (feedback / "bob.txt").read_text()
    mask = lambda text: [line.split(" ms")[-1] if " ms" in line else line for line in text.splitlines()]
    assert mask(bob) == mask(alone.stdout)          # exactly what the student would see
    assert "hidden 1" in bob                        # hidden cases only by number
    assert (feedback / "alice.txt").read_text().rstrip().split("\n")[-1].startswith("Result: AC")


def test_feedback_dir_under_a_missing_folder_fails_before_grading(tmp_path):
    done = judge("batch", SEED, "-e", "no_such_exercise", "--feedback-dir", tmp_path / "a" / "b")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "does not exist" in done.stderr


# ---------------------------------------------------------------- hidden cases, for instructors only

WRONG_PATH = ROOT / "tests" / "submissions" / "conv_backward" / "wrong_sign_flip.py"


def hidden_names():
    from grader.declare import cases as case_files, exercise
    ex = exercise.load("conv_backward")
    return [c.name for c in case_files.load(ex) if not c.public]


def test_reveal_hidden_shows_an_instructor_every_hidden_case(tmp_path):
    names = hidden_names()
    shown = judge("grade", WRONG_PATH, "-e", "conv_backward", "--view", "instructor", "--reveal-hidden")
    assert shown.returncode == 1, shown.stderr
    for number, name in enumerate(names, 1):
        assert f"Hidden case {name} (hidden {number}, wrong answer, " in shown.stdout
    assert shown.stdout.count("dx: ") >= len(names)
    plain = judge("grade", WRONG_PATH, "-e", "conv_backward", "--view", "instructor")
    assert "instructors only" not in plain.stdout and "Hidden case" not in plain.stdout


@pytest.mark.parametrize("args, error", [
    (("grade", WRONG_PATH, "--reveal-hidden"), "add --view instructor"),
    (("grade", WRONG_PATH, "--view", "instructor", "--reveal-hidden", "--format", "gradescope"),
     "Gradescope's results are read by students"),
    (("batch", WRONG_PATH, "--reveal-hidden"), "--format csv has no place"),
    (("batch", WRONG_PATH, "--reveal-hidden", "--format", "gradescope"), "--format gradescope"),
    (("batch", WRONG_PATH, "--reveal-hidden", "--format", "moodle"), "--format moodle"),
])
def test_reveal_hidden_is_refused_where_students_read(args, error):
    done = judge(*args, "-e", "conv_backward")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert error in done.stderr and done.stdout == ""


def test_batch_json_reveals_only_when_asked_and_feedback_never(tmp_path):
    import json
    names = hidden_names()
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "bob.py").write_text(WRONG_PATH.read_text())
    (klass / "cat.py").write_text(WRONG_PATH.read_text())   # two: graded in two judge processes
    feedback = tmp_path / "feedback"
    out = tmp_path / "grades.json"
    done = judge("batch", klass, "-e", "conv_backward", "--format", "json", "--reveal-hidden",
                 "--jobs", "2", "--feedback-dir", feedback, "-o", out)
    assert done.returncode == 0, done.stderr
    for row in json.loads(out.read_text())["submissions"]:
        hidden = [c for c in row["cases"] if c["visibility"] == "hidden"]
        assert [c["name"] for c in hidden] == names
        assert all(c["revealed"]["message"].startswith("dx") and c["revealed"]["details"]
                   for c in hidden)
    mine = (feedback / "bob.txt").read_text()
    assert not any(name in mine for name in names) and "instructors only" not in mine
    assert "dx: 72 of 72" not in mine               # the hidden case's own numbers
    plain = tmp_path / "plain.json"
    judge("batch", klass, "-e", "conv_backward", "--format", "json", "-o", plain)
    assert "revealed" not in plain.read_text()
