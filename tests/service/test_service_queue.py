"""The queue in the store: atomic claims, leases, exactly one recorded result,
judge faults that never count against a student."""

import threading

from grader.service import queue
from grader.service.store import Store

REPORT = {"verdict": "AC", "score": 10, "max_score": 10}


def submitted(data, n=1):
    from grader.service import accounts
    accounts.add(data, "alice")
    return [queue.submit(data, 1, "conv_backward", "a.py", b"x") for _ in range(n)]


def test_claims_are_atomic_and_oldest_first(data):
    ids = submitted(data, 20)
    claimed, lock = [], threading.Lock()

    def judge(name):
        store = Store(data.folder)                      # its own connection, as a process has
        while True:
            job = queue.claim(store, name)
            if job is None:
                return
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=judge, args=(f"j{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == ids                         # each exactly once
    assert queue.claim(data, "late") is None


def test_only_the_lease_holder_records_a_result(data):
    [made] = submitted(data)
    job = queue.claim(data, "first", lease=-1)            # already expired
    assert queue.requeue(data, owners=set(), expired=True) == [made]
    again = queue.claim(data, "second")
    assert again.attempt == 2
    queue.case_line(data, job, 0, {"x": 1}, {"x": 1})      # the old judge: ignored
    assert data.one("SELECT COUNT(*) FROM case_results")[0] == 0
    assert queue.record(data, job, "v", REPORT, REPORT) is False
    assert queue.record(data, again, "v", REPORT, REPORT) is True
    assert queue.record(data, again, "v", REPORT, REPORT) is False   # and only once
    outcomes = [r["outcome"] for r in data.all("SELECT outcome FROM attempts ORDER BY attempt")]
    assert outcomes == ["lost", "recorded"]


def test_judge_faults_fail_after_three_attempts_never_the_students(data):
    [made] = submitted(data)
    for attempt in (1, 2):
        job = queue.claim(data, f"j{attempt}")
        assert queue.judge_fault(data, job, "box lost") == "queued"
    job = queue.claim(data, "j3")
    ie = {"verdict": "IE", "score": 0, "max_score": 10}
    assert queue.judge_fault(data, job, queue.FAILED_MESSAGE, "v", ie, ie) == "failed"
    row = data.one("SELECT * FROM submissions WHERE id = ?", (made,))
    assert row["status"] == "failed" and row["attempts"] == 3 and row["score"] is None
    assert queue.claim(data, "j4") is None


def test_a_dead_judges_work_goes_back_and_a_stopped_one_is_not_counted(data):
    first, second = submitted(data, 2)
    job = queue.claim(data, "dies")
    assert queue.requeue(data, owners={"someone else"}, expired=False) == []
    assert queue.requeue(data, owners={"dies"}, expired=False) == [first]
    job = queue.claim(data, "stops")
    queue.release(data, job)
    row = data.one("SELECT status, attempts FROM submissions WHERE id = ?", (first,))
    assert (row["status"], row["attempts"]) == ("queued", 1)


def test_the_store_is_wal_and_versioned(data):
    assert data.one("PRAGMA journal_mode")[0] == "wal"
    assert data.one("SELECT value FROM meta WHERE key = 'schema_version'")[0] == "1"
