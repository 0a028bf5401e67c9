"""The whole service on 127.0.0.1 with real processes: `judge serve`, its judge
processes, HTTP, `judge submit`; and a server killed with SIGKILL mid-queue."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import JUDGE, ROOT, SUBMISSIONS, bearer


def call(server, method, path, token, body=None, headers=None):
    request = urllib.request.Request(server.url + path, data=body, method=method,
                                     headers={**bearer(token), **(headers or {})})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def post_source(server, token, exercise, path):
    body = json.dumps({"exercise": exercise, "source": path.read_text(encoding="utf-8"),
                       "filename": path.name}).encode()
    return call(server, "POST", "/api/v1/submissions", token, body,
                {"Content-Type": "application/json"})


def make_accounts(folder, names, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,email\n" + "".join(f"{n},{n}@example.edu\n" for n in names))
    out = tmp_path / "tokens.csv"
    run = subprocess.run([sys.executable, "-c", JUDGE, "users", "import", str(roster), "-o",
                          str(out), "--data", str(folder)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    lines = out.read_text().strip().split("\n")[1:]
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    made = dict(line.split(",") for line in lines)
    run = subprocess.run([sys.executable, "-c", JUDGE, "users", "add", "prof", "--instructor",
                          "--data", str(folder)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    made["prof"] = run.stdout.strip().split("\n")[-1]
    return made


def wait_all(server, token, ids, timeout=300):
    deadline, found = time.monotonic() + timeout, {}
    while time.monotonic() < deadline:
        for i in ids:
            if i not in found:
                _, data = call(server, "GET", f"/api/v1/submissions/{i}", token)
                if data["status"] in ("done", "failed"):
                    found[i] = data
        if len(found) == len(ids):
            return found
        time.sleep(0.2)
    raise AssertionError(f"{len(ids) - len(found)} submissions not graded in {timeout} s")


def batch_verdicts(exercise, files):
    """{file name: (verdict, score)} as `judge batch` grades them."""
    run = subprocess.run([sys.executable, "-c", JUDGE, "batch", *map(str, files), "-e", exercise,
                          "--format", "json", "--jobs", "2"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return {s["student"]: (s["verdict"], s["score"]) for s in json.loads(run.stdout)["submissions"]}


def test_every_sample_gets_the_verdict_of_judge_grade(serve, tmp_path):
    folder = tmp_path / "data"
    files = sorted(SUBMISSIONS.glob("*/*.py"))
    assert len(files) > 50
    names = [f"s{i:03d}" for i in range(len(files))]
    tokens = make_accounts(folder, names, tmp_path)
    server = serve(folder, jobs=2)
    started = time.monotonic()
    made = {}
    for name, path in zip(names, files):
        status, body = post_source(server, tokens[name], path.parent.name, path)
        assert status == 202 and body["status"] == "queued"
        made[body["id"]] = path
    graded = wait_all(server, tokens["prof"], list(made))
    elapsed = time.monotonic() - started
    expected = {}
    for exercise in sorted({p.parent.name for p in files}):
        expected.update({(exercise, k): v for k, v in
                         batch_verdicts(exercise, [p for p in files if p.parent.name == exercise]).items()})
    wrong = []
    for i, path in made.items():
        got = (graded[i]["status"], graded[i]["verdict"], graded[i]["score"])
        want = ("done", *expected[(path.parent.name, path.stem)])
        if got != want:
            wrong.append(f"{path.relative_to(SUBMISSIONS)}: service {got}, judge {want}")
    assert not wrong, "\n".join(wrong)
    print(f"{len(files)} submissions graded over HTTP in {elapsed:.1f} s")


def test_judge_submit_prints_what_judge_grade_prints(serve, tmp_path):
    folder = tmp_path / "data"
    tokens = make_accounts(folder, ["alice"], tmp_path)
    server = serve(folder, jobs=1)
    bad = tmp_path / "not_utf8.py"
    bad.write_bytes(b"x = '\xff'\n")
    cases = [(SUBMISSIONS / "conv_backward" / "wrong_db_mean.py", "conv_backward", 1),
             (SUBMISSIONS / "maxpool_backward" / "correct_seed.py", "maxpool_backward", 0),
             (bad, "affine_backward", 1)]
    times = re.compile(r"\s*(<=)?[\d.]+ ms")
    for path, exercise, code in cases:
        env = dict(os.environ, JUDGE_TOKEN=tokens["alice"], NO_COLOR="1")
        got = subprocess.run([sys.executable, "-c", JUDGE, "submit", str(path), "-e", exercise,
                              "--server", server.url], capture_output=True, text=True, cwd=ROOT,
                             env=env)
        want = subprocess.run([sys.executable, "-c", JUDGE, "grade", str(path), "-e", exercise],
                              capture_output=True, text=True, cwd=ROOT, env=env)
        assert got.returncode == want.returncode == code, got.stderr
        assert times.sub("T", got.stdout) == times.sub("T", want.stdout)
    unknown = subprocess.run([sys.executable, "-c", JUDGE, "submit", str(cases[0][0]), "-e", "nope",
                              "--server", server.url, "--token", tokens["alice"]],
                             capture_output=True, text=True, cwd=ROOT)
    assert unknown.returncode == 2 and unknown.stderr.startswith("judge: ")
    assert "unknown exercise" in unknown.stderr and unknown.stderr.count("\n") == 1
    no_token = subprocess.run([sys.executable, "-c", JUDGE, "submit", str(cases[0][0]), "-e",
                               "conv_backward", "--server", server.url],
                              capture_output=True, text=True, cwd=ROOT,
                              env={k: v for k, v in os.environ.items() if k != "JUDGE_TOKEN"})
    assert no_token.returncode == 2 and "JUDGE_TOKEN" in no_token.stderr


SLOW = "import time; time.sleep(0.7)\n"


def slow_right(tmp_path, n):
    """A right answer that takes a while in every run: the queue is still busy when killed."""
    text = (SUBMISSIONS / "affine_backward" / "correct_book.py").read_text()
    marker = "########## Begin ##########\n"
    head, tail = text.split(marker, 1)
    indent = re.match(r"\s*", tail).group(0)
    path = tmp_path / f"slow{n}.py"
    path.write_text(head + marker + indent + SLOW.strip() + "\n" + tail)
    return path


def test_sigkill_mid_queue_then_restart_grades_each_exactly_once(serve, tmp_path):
    folder = tmp_path / "data"
    names = [f"k{i}" for i in range(8)]
    tokens = make_accounts(folder, names, tmp_path)
    server = serve(folder, jobs=1)
    files = [slow_right(tmp_path, i) if i % 2 == 0 else
             SUBMISSIONS / "affine_backward" / "wrong_db_mean.py" for i in range(8)]
    made = {}
    for name, path in zip(names, files):
        _, body = post_source(server, tokens[name], "affine_backward", path)
        made[body["id"]] = "AC" if path.name.startswith("slow") else "WA"
    from grader.service.store import Store
    store = Store(folder)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:                 # some done, one running, some queued
        counts = dict(store.all("SELECT status, COUNT(*) FROM submissions GROUP BY status"))
        if counts.get("done", 0) >= 1 and counts.get("running", 0) == 1 and counts.get("queued", 0) >= 2:
            break
        time.sleep(0.02)
    else:
        raise AssertionError(f"the queue never was mid-way: {counts}")
    before = {row["id"]: row["finished"] for row in
              store.all("SELECT id, finished FROM submissions WHERE status = 'done'")}
    running = store.one("SELECT id FROM submissions WHERE status = 'running'")[0]
    server.kill()
    left = subprocess.run(["pgrep", "-f", f"grader.service.judges {folder}"], capture_output=True)
    assert left.returncode == 1, "a judge process outlived the killed server"
    again = serve(folder, jobs=2)
    graded = wait_all(again, tokens["prof"], list(made))
    for i, verdict in made.items():
        assert graded[i]["status"] == "done" and graded[i]["verdict"] == verdict, graded[i]
    attempts = store.all("SELECT submission, outcome FROM attempts")
    recorded = [a["submission"] for a in attempts if a["outcome"] == "recorded"]
    assert sorted(recorded) == sorted(made)                     # exactly one result each
    for i, finished in before.items():                           # done before: not graded again
        assert store.one("SELECT finished FROM submissions WHERE id = ?", (i,))[0] == finished
        assert [a["outcome"] for a in attempts if a["submission"] == i] == ["recorded"]
    outcomes = [a["outcome"] for a in attempts if a["submission"] == running]
    assert outcomes == ["lost", "recorded"]                      # started twice, recorded once
    assert store.one("SELECT COUNT(*) FROM submissions")[0] == len(made)


def test_sigterm_stops_cleanly_and_hands_back_work(serve, tmp_path):
    folder = tmp_path / "data"
    tokens = make_accounts(folder, ["a"], tmp_path)
    server = serve(folder, jobs=1)
    _, body = post_source(server, tokens["a"], "affine_backward", slow_right(tmp_path, 0))
    from grader.service.store import Store
    store = Store(folder)
    deadline = time.monotonic() + 60
    while store.one("SELECT status FROM submissions WHERE id = ?", (body["id"],))[0] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    server.stop()
    assert server.process.returncode == 0
    row = store.one("SELECT status, attempts FROM submissions WHERE id = ?", (body["id"],))
    assert (row["status"], row["attempts"]) == ("queued", 0)     # handed back, not counted
    again = serve(folder, jobs=1)
    assert wait_all(again, tokens["a"], [body["id"]])[body["id"]]["verdict"] == "AC"


def test_a_second_server_on_the_same_data_is_refused(serve, tmp_path):
    folder = tmp_path / "data"
    make_accounts(folder, ["a"], tmp_path)
    serve(folder, jobs=1)
    second = subprocess.run([sys.executable, "-c", JUDGE, "serve", "--port", "0", "--data",
                             str(folder)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert second.returncode == 2
    assert second.stderr.startswith("judge: ") and "already served" in second.stderr
