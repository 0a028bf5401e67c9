"""`judge users`: accounts from the command line, one-line errors with exit 2."""

import subprocess
import sys

from conftest import JUDGE, ROOT


def judge(*args):
    return subprocess.run([sys.executable, "-c", JUDGE, *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_add_prints_the_token_last_and_it_works(tmp_path):
    from grader.service import accounts
    from grader.service.store import Store
    out = judge("users", "add", "alice", "--data", str(tmp_path))
    assert out.returncode == 0
    token = out.stdout.strip().split("\n")[-1]
    user = accounts.by_token(Store(tmp_path), token)
    assert user.name == "alice" and user.role == "student"
    row = Store(tmp_path).one("SELECT token_hash FROM users")
    assert token not in row[0] and len(row[0]) == 64                  # only the hash is kept
    out = judge("users", "add", "prof", "--instructor", "--data", str(tmp_path))
    assert accounts.by_token(Store(tmp_path), out.stdout.split()[-1]).instructor
    listed = judge("users", "list", "--data", str(tmp_path)).stdout
    assert "alice\tstudent\tactive" in listed and "prof\tinstructor\tactive" in listed


def test_one_line_errors(tmp_path):
    judge("users", "add", "alice", "--data", str(tmp_path))
    for args, words in ((("users", "add", "alice"), "already exists"),
                        (("users", "add", "a b"), "not a valid account name"),
                        (("users", "revoke", "nobody"), "no such account")):
        out = judge(*args, "--data", str(tmp_path))
        assert out.returncode == 2 and out.stderr.startswith("judge: ") and words in out.stderr
        assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    blocked = tmp_path / "file"
    blocked.write_text("")
    out = judge("users", "list", "--data", str(blocked / "sub"))
    assert out.returncode == 2 and "data folder" in out.stderr and "--data" in out.stderr


def test_import_a_roster_all_or_nothing(tmp_path):
    from grader.service import accounts
    from grader.service.store import Store
    data = tmp_path / "data"
    roster = tmp_path / "roster.csv"
    roster.write_text("Student_ID,email\n2023001,a@x\n2023002,b@x\n\n")
    out = judge("users", "import", str(roster), "-o", str(tmp_path / "t.csv"), "--data", str(data))
    assert out.returncode == 0, out.stderr
    rows = (tmp_path / "t.csv").read_text().strip().split("\n")
    assert rows[0] == "name,token" and [r.split(",")[0] for r in rows[1:]] == ["2023001", "2023002"]
    assert accounts.by_token(Store(data), rows[1].split(",")[1]).name == "2023001"
    again = tmp_path / "again.csv"
    again.write_text("name\nnew1\n2023001\n")
    out = judge("users", "import", str(again), "--data", str(data))
    assert out.returncode == 2 and "already exists" in out.stderr
    assert accounts.by_token(Store(data), "x") is None
    assert "new1" not in judge("users", "list", "--data", str(data)).stdout   # none created
    for text, words in (("email\nx\n", "no 'name' column"), ("name\na\na\n", "line 3"),
                        ("", "empty"), ("name\nbad name\n", "line 2")):
        roster.write_text(text)
        out = judge("users", "import", str(roster), "--data", str(data))
        assert out.returncode == 2 and words in out.stderr and out.stderr.count("\n") == 1


def test_revoke_ends_the_token(tmp_path):
    from grader.service import accounts
    from grader.service.store import Store
    token = judge("users", "add", "alice", "--data", str(tmp_path)).stdout.split()[-1]
    assert judge("users", "revoke", "alice", "--data", str(tmp_path)).returncode == 0
    assert accounts.by_token(Store(tmp_path), token) is None
    assert "alice\tstudent\trevoked" in judge("users", "list", "--data", str(tmp_path)).stdout
