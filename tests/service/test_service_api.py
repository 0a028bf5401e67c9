"""The API under a test client: every status code, who may see what, the limits."""

import json

import pytest

from conftest import CONV_RIGHT, CONV_WRONG, bearer, wait_done

from grader.service import accounts, queue
from grader.pipeline.read import MAX_BYTES


def post_file(client, token, path=CONV_WRONG, exercise="conv_backward", headers=None):
    return client.post("/api/v1/submissions", headers={**bearer(token), **(headers or {})},
                       files={"file": (path.name, path.read_bytes())}, data={"exercise": exercise})


def test_without_a_token_401(client):
    response = client.post("/api/v1/submissions", json={"exercise": "conv_backward", "source": "x"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "token" in response.json()["error"]
    assert client.get("/api/v1/submissions").status_code == 401
    assert client.get("/api/v1/exercises", headers=bearer("not-a-token")).status_code == 401
    assert client.get("/api/v1/exercises", headers={"Authorization": "Basic x"}).status_code == 401


def test_a_revoked_token_401(client, data, tokens):
    assert client.get("/api/v1/exercises", headers=bearer(tokens["alice"])).status_code == 200
    accounts.revoke(data, "alice")
    response = client.get("/api/v1/exercises", headers=bearer(tokens["alice"]))
    assert response.status_code == 401 and "revoked" in response.json()["error"]


def test_submit_multipart_and_json_202(client, data, tokens):
    first = post_file(client, tokens["alice"])
    assert first.status_code == 202
    assert first.json() == {"id": first.json()["id"], "status": "queued"}
    assert first.headers["location"] == f"/api/v1/submissions/{first.json()['id']}"
    second = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                         json={"exercise": "affine_backward", "source": "print(1)\n"})
    assert second.status_code == 202
    row = data.one("SELECT * FROM submissions WHERE id = ?", (second.json()["id"],))
    assert bytes(row["source"]) == b"print(1)\n" and row["status"] == "queued"
    row = data.one("SELECT * FROM submissions WHERE id = ?", (first.json()["id"],))
    assert bytes(row["source"]) == CONV_WRONG.read_bytes() and row["filename"] == CONV_WRONG.name


def test_over_the_size_cap_413(client, tokens):
    big = b"#" * (MAX_BYTES + 1)
    response = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                           files={"file": ("big.py", big)}, data={"exercise": "conv_backward"})
    assert response.status_code == 413
    assert "256 KB" in response.json()["error"]
    response = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                           json={"exercise": "conv_backward", "source": "#" * (MAX_BYTES + 1)})
    assert response.status_code == 413
    exactly = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                          json={"exercise": "conv_backward", "source": "#" * MAX_BYTES})
    assert exactly.status_code == 202


def test_unknown_exercise_and_missing_fields_422(client, tokens):
    response = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                           json={"exercise": "conv_bakward", "source": "x"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert "conv_bakward" in error and "conv_backward" in error and "\n" not in error
    for body in ({"source": "x"}, {"exercise": "conv_backward"}):
        response = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]), json=body)
        assert response.status_code == 422 and "missing field" in response.json()["error"]
    response = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                           files={"other": ("a.py", b"x")}, data={"exercise": "conv_backward"})
    assert response.status_code == 422 and "'file'" in response.json()["error"]


def test_bad_bodies_are_one_line_json_errors(client, tokens):
    for kwargs, status in (({"content": b"{", "headers": {"Content-Type": "application/json"}}, 400),
                           ({"content": b"[1]", "headers": {"Content-Type": "application/json"}}, 400),
                           ({"content": b"x", "headers": {"Content-Type": "text/plain"}}, 415)):
        headers = {**bearer(tokens["alice"]), **kwargs.pop("headers")}
        response = client.post("/api/v1/submissions", headers=headers, **kwargs)
        assert response.status_code == status
        assert set(response.json()) == {"error"} and "\n" not in response.json()["error"]
    response = client.get("/api/v1/nothing", headers=bearer(tokens["alice"]))
    assert response.status_code == 404 and "/api/v1" in response.json()["error"]
    response = client.get("/api/v1/submissions/abc", headers=bearer(tokens["alice"]))
    assert response.status_code == 422 and "error" in response.json()


def test_a_pending_submission_429_with_retry_after(client, tokens):
    assert post_file(client, tokens["alice"]).status_code == 202
    again = post_file(client, tokens["alice"])
    assert again.status_code == 429
    assert int(again.headers["retry-after"]) >= 1
    assert "still being graded" in again.json()["error"]
    assert post_file(client, tokens["bob"]).status_code == 202            # someone else: fine
    other = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                        json={"exercise": "affine_backward", "source": "x"})
    assert other.status_code == 202                                     # another exercise: fine


def test_the_rate_limit_429(make_client, data, tokens):
    client = make_client(rate_limit=2, rate_window=60)
    for exercise in ("conv_backward", "affine_backward"):
        assert client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                           json={"exercise": exercise, "source": "x"}).status_code == 202
    response = client.post("/api/v1/submissions", headers=bearer(tokens["alice"]),
                           json={"exercise": "conv_forward", "source": "x"})
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "more than 2 submissions" in response.json()["error"]


def test_idempotency_key_gives_the_same_submission(client, data, tokens):
    key = {"Idempotency-Key": "attempt-1"}
    first = post_file(client, tokens["alice"], headers=key)
    again = post_file(client, tokens["alice"], headers=key)              # a retry: not a 429
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert data.one("SELECT COUNT(*) FROM submissions")[0] == 1
    other = post_file(client, tokens["bob"], headers=key)                # keys are per user
    assert other.json()["id"] != first.json()["id"]
    assert client.post("/api/v1/submissions", headers={**bearer(tokens["alice"]),
                       "Idempotency-Key": "x" * 201},
                       json={"exercise": "affine_backward", "source": "x"}).status_code == 400


def test_reports_as_each_user_may_see_them(client, data, tokens, pool):
    made = post_file(client, tokens["alice"]).json()["id"]
    wait_done(data, [made])
    mine = client.get(f"/api/v1/submissions/{made}", headers=bearer(tokens["alice"]))
    assert mine.status_code == 200
    body = mine.json()
    assert {"id", "student", "exercise", "status", "created", "report"} <= set(body)
    assert body["status"] == "done" and body["student"] == "alice" and body["verdict"] == "WA"
    hidden = [c for c in body["report"]["cases"] if c["visibility"] == "hidden"]
    assert hidden and all(c["name"].startswith("hidden ") for c in hidden)
    assert all(not c["details"] and c["hint"] is None and c["output"] is None for c in hidden)
    assert all("label" not in c for c in body["report"]["cases"])
    assert "revealed" not in mine.text and "dx: " not in json.dumps(hidden)
    # someone else's: as if it did not exist
    theirs = client.get(f"/api/v1/submissions/{made}", headers=bearer(tokens["bob"]))
    assert theirs.status_code == 404 and "error" in theirs.json()
    assert client.get(f"/api/v1/submissions/{made}/events", headers=bearer(tokens["bob"])).status_code == 404
    assert client.get("/api/v1/submissions/999999", headers=bearer(tokens["alice"])).status_code == 404
    assert client.get("/api/v1/submissions", headers=bearer(tokens["bob"])).json() == {"submissions": []}
    # an instructor: every real name
    seen = client.get(f"/api/v1/submissions/{made}", headers=bearer(tokens["prof"])).json()
    names = [c["name"] for c in seen["report"]["cases"] if c["visibility"] == "hidden"]
    assert names and not any(name.startswith("hidden ") for name in names)
    # ... and what each hidden case said
    told = [c["revealed"] for c in seen["report"]["cases"] if c["visibility"] == "hidden"]
    assert len(told) == len(names) and all(t["message"] for t in told)
    listed = client.get("/api/v1/submissions?exercise=conv_backward", headers=bearer(tokens["prof"]))
    assert [s["id"] for s in listed.json()["submissions"]] == [made]
    assert client.get("/api/v1/submissions?exercise=affine_backward",
                      headers=bearer(tokens["prof"])).json()["submissions"] == []


def test_events_stream_each_case_then_the_report(client, data, tokens, pool):
    made = post_file(client, tokens["alice"]).json()["id"]
    events = []
    with client.stream("GET", f"/api/v1/submissions/{made}/events",
                       headers=bearer(tokens["alice"])) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    cases = [data for name, data in events if name == "case"]
    assert [c["index"] for c in cases] == list(range(12))
    assert events[-1][0] == "done" and events[-1][1]["status"] == "done"
    final = events[-1][1]["report"]["cases"]
    assert [(c["name"], c["verdict"]) for c in cases] == [(c["name"], c["verdict"]) for c in final]
    stored = data.one("SELECT COUNT(*) FROM case_results WHERE submission = ?", (made,))[0]
    assert stored > 0                          # the lines were written as the judge decided them


def test_exercises_list_and_detail(client, tokens):
    listed = client.get("/api/v1/exercises", headers=bearer(tokens["alice"])).json()["exercises"]
    assert "conv_backward" in [e["id"] for e in listed]
    detail = client.get("/api/v1/exercises/conv_backward", headers=bearer(tokens["alice"])).json()
    assert detail["statement"]["en"] and detail["statement"]["zh"]
    assert "########## Begin ##########" in detail["skeleton"]
    assert detail["public"] and detail["hidden"]["count"] > 0
    from grader.declare.cases import load
    from grader.declare.exercise import load as load_exercise
    from grader.pipeline.verdict import case_labels
    cases = load(load_exercise("conv_backward"))
    assert detail["case_names"] == case_labels(cases)
    text = json.dumps(detail)
    for case in cases:
        if not case.public:
            assert case.name not in text                   # no hidden case is described
    assert client.get("/api/v1/exercises/nope", headers=bearer(tokens["alice"])).status_code == 404


def test_gradebook_for_instructors_only_same_as_batch(client, data, tokens, pool):
    ids = [post_file(client, tokens["alice"]).json()["id"],
           post_file(client, tokens["bob"], CONV_RIGHT).json()["id"]]
    wait_done(data, ids)
    later = post_file(client, tokens["bob"]).json()["id"]               # bob's latest is worse
    wait_done(data, [later])
    assert client.get("/api/v1/gradebook?exercise=conv_backward",
                      headers=bearer(tokens["alice"])).status_code == 403
    best = client.get("/api/v1/gradebook?exercise=conv_backward&format=csv",
                      headers=bearer(tokens["prof"]))
    assert best.status_code == 200 and best.headers["content-type"].startswith("text/csv")
    rows = [line.split(",")[:3] for line in best.text.strip().split("\n")]
    assert rows[0] == ["student", "verdict", "score"]
    assert rows[1:] == [["alice", "WA", "0"], ["bob", "AC", "100"]]
    latest = client.get("/api/v1/gradebook?exercise=conv_backward&pick=latest",
                        headers=bearer(tokens["prof"])).text
    assert "bob,WA,0" in latest
    # the exporters of judge batch, on the stored reports
    from grader.output import export, report
    stored = [(name, report.from_dict(json.loads(data.one(
        "SELECT report_instructor FROM submissions WHERE id = ?", (i,))[0])))
        for name, i in (("alice", ids[0]), ("bob", ids[1]))]
    assert best.text == export.to_csv(stored)
    for fmt, made in (("json", export.to_batch_json), ("junit", export.to_junit),
                      ("gradescope", export.to_batch_gradescope)):
        response = client.get(f"/api/v1/gradebook?exercise=conv_backward&format={fmt}",
                              headers=bearer(tokens["prof"]))
        assert response.status_code == 200 and response.text == made(stored)
    assert client.get("/api/v1/gradebook?exercise=conv_backward&format=xls",
                      headers=bearer(tokens["prof"])).status_code == 422
    assert client.get("/api/v1/gradebook?exercise=nope",
                      headers=bearer(tokens["prof"])).status_code == 422


def test_rejudge_keeps_old_results_superseded(client, data, tokens, pool):
    made = post_file(client, tokens["alice"]).json()["id"]
    wait_done(data, [made])
    assert client.post("/api/v1/rejudge", headers=bearer(tokens["alice"]),
                       json={"exercise": "conv_backward"}).status_code == 403
    response = client.post("/api/v1/rejudge", headers=bearer(tokens["prof"]),
                           json={"exercise": "conv_backward"})
    assert response.status_code == 202 and response.json()["queued"] == 1
    new = response.json()["ids"][0]
    wait_done(data, [new])
    old = client.get(f"/api/v1/submissions/{made}", headers=bearer(tokens["alice"])).json()
    assert old["superseded"] is True and old["verdict"] == "WA"          # kept
    fresh = client.get(f"/api/v1/submissions/{new}", headers=bearer(tokens["alice"])).json()
    assert fresh["rejudge_of"] == made and fresh["verdict"] == "WA" and not fresh["superseded"]
    book = client.get("/api/v1/gradebook?exercise=conv_backward", headers=bearer(tokens["prof"])).text
    assert book.count("alice,") == 1
    assert client.post("/api/v1/rejudge", headers=bearer(tokens["prof"]),
                       json={"exercise": "nope"}).status_code == 422


def test_healthz_and_openapi(client):
    response = client.get("/api/v1/healthz")
    assert response.status_code == 200 and response.json()["ok"] is True
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/submissions", "/api/v1/submissions/{submission_id}",
                 "/api/v1/submissions/{submission_id}/events", "/api/v1/exercises",
                 "/api/v1/exercises/{exercise_id}", "/api/v1/gradebook", "/api/v1/rejudge",
                 "/api/v1/healthz"):
        assert path in spec["paths"]


def signed_in(client, token):
    """Sign in through the page, as a browser does; return the session's CSRF token."""
    import re
    form = client.get("/signin").text
    pre = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    response = client.post("/signin", data={"csrf": pre, "token": token, "next": "/exercises"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/exercises"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = client.get("/exercises").text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_a_session_without_its_csrf_token_is_refused(client, tokens):
    csrf = signed_in(client, tokens["alice"])
    body = {"exercise": "conv_backward", "source": "x"}
    refused = client.post("/api/v1/submissions", json=body)
    assert refused.status_code == 403 and "security token" in refused.json()["error"]
    wrong = client.post("/api/v1/submissions", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    page = client.post("/exercises/conv_backward/submit", data={"region": "pass"},
                       follow_redirects=False)
    assert page.status_code == 403
    accepted = client.post("/api/v1/submissions", json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 202


def test_sign_in_needs_its_form_token(client, tokens):
    response = client.post("/signin", data={"csrf": "forged", "token": tokens["alice"]},
                           follow_redirects=False)
    assert response.status_code == 403
    assert "session" not in response.headers.get("set-cookie", "")


def test_pages_escape_what_students_wrote(client, data, tokens):
    evil = "<script>alert(1)</script>"
    made = queue.submit(data, 1, "conv_backward", evil + ".py", evil.encode())
    html = client.get(f"/submissions/{made}", headers=bearer(tokens["alice"])).text
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_speak_the_browsers_language_until_told_otherwise(client):
    assert "登录" in client.get("/signin", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).text
    assert "Sign in" in client.get("/signin", headers={"Accept-Language": "en-GB,zh;q=0.5"}).text
    assert "Sign in" in client.get("/signin", headers={"Accept-Language": "fr, de;q=0.5"}).text
    client.get("/lang/zh?next=/signin")
    assert "登录" in client.get("/signin", headers={"Accept-Language": "en"}).text
    assert client.get("/lang/en?next=//evil.example", follow_redirects=False).headers["location"] \
        == "/exercises"                                   # never a redirect off the site


def test_pages_need_a_session_and_the_class_needs_an_instructor(client, tokens):
    response = client.get("/exercises", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    signed_in(client, tokens["alice"])
    page = client.get("/class")
    assert page.status_code == 403 and "instructor" in page.text
    assert "<html" in page.text                           # a page, not a JSON error


def test_the_stream_sends_every_case_once_when_hidden_ones_come_between(client, data, tokens):
    """Public cases are graded first, so case 1 (hidden) may come after case 2 (public)."""
    import threading
    import time
    made = post_file(client, tokens["alice"]).json()["id"]
    job = queue.claim(data, "judge")

    def line(index, visibility):
        return {"name": f"c{index}", "verdict": "AC", "score": 1, "max_score": 1, "time_ms": 1.0,
                "visibility": visibility, "message": "", "details": [], "hint": None, "output": None}

    cases = [line(0, "public"), line(1, "hidden"), line(2, "public"), line(3, "hidden")]
    queue.case_line(data, job, 0, cases[0], cases[0])
    queue.case_line(data, job, 2, cases[2], cases[2])

    def judge():
        from grader.service.store import Store
        store = Store(data.folder)
        time.sleep(0.4)
        queue.case_line(store, job, 1, cases[1], cases[1])
        time.sleep(0.4)
        report = {"exercise": "conv_backward", "submission": "a.py", "verdict": "AC", "score": 4,
                  "max_score": 4, "passed": 4, "total": 4, "compile_error": None, "notes": [],
                  "cases": cases}
        queue.record(store, job, "v", report, report)

    thread = threading.Thread(target=judge)
    thread.start()
    seen = []
    with client.stream("GET", f"/api/v1/submissions/{made}/events",
                       headers=bearer(tokens["alice"])) as response:
        name = None
        for text in response.iter_lines():
            if text.startswith("event: "):
                name = text[7:]
            elif text.startswith("data: ") and name == "case":
                seen.append(json.loads(text[6:])["index"])
            elif text.startswith("data: ") and name == "restart":
                seen.append("restart")
    thread.join()
    assert seen == [0, 2, 1, 3]
