"""Submissions and the queue of those to grade, kept in the store.

A submission moves queued -> running -> done, or -> failed when the judge
itself failed three times (never counted against the student). A judge
process claims the oldest queued submission in one BEGIN IMMEDIATE
transaction and holds it under a lease that it renews; a lease that expires
(or whose judge died) puts the submission back in the queue; a result is
recorded only by the judge that still holds the lease, so however often a
submission is started, exactly one result is recorded.
"""

import json
from dataclasses import dataclass

from .store import now

LEASE_SECONDS = 30.0
MAX_ATTEMPTS = 3
FAILED_MESSAGE = "the judge failed, this attempt does not count"
PENDING = ("queued", "running")


@dataclass(frozen=True)
class Job:
    id: int
    exercise: str
    filename: str
    source: bytes
    attempt: int
    owner: str


def submit(store, user_id, exercise, filename, source, key=None, rejudge_of=None, created=None):
    """Queue a submission; return its id."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO submissions (user_id, exercise, filename, source, created, status, "
            "idempotency_key, rejudge_of) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
            (user_id, exercise, filename, source, created or now(), key, rejudge_of))
        return cursor.lastrowid


def by_key(store, user_id, key):
    return store.one("SELECT id, status FROM submissions WHERE user_id = ? AND idempotency_key = ?",
                     (user_id, key))


def pending(store, user_id, exercise):
    """The student's own submission still waiting for a verdict on ``exercise``, if any."""
    return store.one("SELECT id FROM submissions WHERE user_id = ? AND exercise = ? AND "
                     "status IN ('queued', 'running') AND rejudge_of IS NULL", (user_id, exercise))


def recent(store, user_id, seconds):
    """The creation times of the user's submissions within the last ``seconds``."""
    rows = store.all("SELECT created FROM submissions WHERE user_id = ? AND created > ? "
                     "AND rejudge_of IS NULL ORDER BY created", (user_id, now() - seconds))
    return [row[0] for row in rows]


def claim(store, owner, lease=LEASE_SECONDS):
    """Take the oldest queued submission for ``owner``; a Job, or None."""
    with store.transaction() as conn:
        row = conn.execute(
            "UPDATE submissions SET status = 'running', attempts = attempts + 1, lease_owner = ?, "
            "lease_expires = ? WHERE id = (SELECT id FROM submissions WHERE status = 'queued' "
            "ORDER BY id LIMIT 1) AND status = 'queued' "
            "RETURNING id, exercise, filename, source, attempts",
            (owner, now() + lease)).fetchone()
        if row is None:
            return None
        conn.execute("DELETE FROM case_results WHERE submission = ?", (row["id"],))
        conn.execute("INSERT OR REPLACE INTO attempts (submission, attempt, owner, started) "
                     "VALUES (?, ?, ?, ?)", (row["id"], row["attempts"], owner, now()))
    return Job(row["id"], row["exercise"], row["filename"], bytes(row["source"]), row["attempts"], owner)


def renew(store, job, lease=LEASE_SECONDS):
    """Extend the lease; False when it is no longer ``job.owner``'s."""
    with store.transaction() as conn:
        cursor = conn.execute("UPDATE submissions SET lease_expires = ? WHERE id = ? AND "
                              "status = 'running' AND lease_owner = ?",
                              (now() + lease, job.id, job.owner))
        return cursor.rowcount == 1


def case_line(store, job, index, student, instructor):
    """A case's verdict as soon as it is known (the final report may add a hint)."""
    with store.transaction() as conn:
        if _holds(conn, job):
            conn.execute("INSERT OR REPLACE INTO case_results VALUES (?, ?, ?, ?, ?)",
                         (job.id, job.attempt, index, json.dumps(student), json.dumps(instructor)))


def _holds(conn, job):
    return conn.execute("SELECT 1 FROM submissions WHERE id = ? AND status = 'running' AND "
                        "lease_owner = ?", (job.id, job.owner)).fetchone() is not None


def _end_attempt(conn, job, outcome):
    conn.execute("UPDATE attempts SET ended = ?, outcome = ? WHERE submission = ? AND attempt = ?",
                 (now(), outcome, job.id, job.attempt))


def record(store, job, case_set, student, instructor):
    """The result, if ``job`` still holds its lease; True when it was recorded."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "UPDATE submissions SET status = 'done', lease_owner = NULL, lease_expires = NULL, "
            "case_set = ?, verdict = ?, score = ?, max_score = ?, report_student = ?, "
            "report_instructor = ?, error = NULL, finished = ? "
            "WHERE id = ? AND status = 'running' AND lease_owner = ?",
            (case_set, instructor["verdict"], instructor["score"], instructor["max_score"],
             json.dumps(student), json.dumps(instructor), now(), job.id, job.owner))
        if cursor.rowcount == 1:
            _end_attempt(conn, job, "recorded")
            return True
        return False


def judge_fault(store, job, message, case_set=None, student=None, instructor=None):
    """The judge failed on ``job``: queue it again, or mark it failed after the
    last attempt (keeping the report, if there is one, for the instructor)."""
    with store.transaction() as conn:
        if not _holds(conn, job):
            return None
        _end_attempt(conn, job, "judge fault")
        return _retry_or_fail(conn, job.id, message, case_set, student, instructor)


def _retry_or_fail(conn, submission, message, case_set=None, student=None, instructor=None):
    attempts = conn.execute("SELECT attempts FROM submissions WHERE id = ?", (submission,)).fetchone()[0]
    if attempts < MAX_ATTEMPTS:
        conn.execute("UPDATE submissions SET status = 'queued', lease_owner = NULL, "
                     "lease_expires = NULL WHERE id = ?", (submission,))
        return "queued"
    conn.execute(
        "UPDATE submissions SET status = 'failed', lease_owner = NULL, lease_expires = NULL, "
        "case_set = ?, verdict = ?, score = NULL, max_score = ?, report_student = ?, "
        "report_instructor = ?, error = ?, finished = ? WHERE id = ?",
        (case_set, "IE" if instructor else None, instructor and instructor["max_score"],
         json.dumps(student) if student else None, json.dumps(instructor) if instructor else None,
         message, now(), submission))
    return "failed"


def release(store, job):
    """Give a submission back without counting the attempt (the judge was told to stop)."""
    with store.transaction() as conn:
        cursor = conn.execute("UPDATE submissions SET status = 'queued', attempts = attempts - 1, "
                              "lease_owner = NULL, lease_expires = NULL WHERE id = ? AND "
                              "status = 'running' AND lease_owner = ?", (job.id, job.owner))
        if cursor.rowcount:
            _end_attempt(conn, job, "released")


def requeue(store, owners=None, expired=True):
    """Put back the running submissions of dead judges: those of ``owners``
    (None: every running one) or, with ``expired``, those whose lease ran out.
    A submission whose judge failed on it three times is marked failed.
    Return the ids put back."""
    with store.transaction() as conn:
        rows = conn.execute("SELECT id, lease_owner, lease_expires, attempts FROM submissions "
                            "WHERE status = 'running'").fetchall()
        moved = []
        for row in rows:
            dead = owners is None or row["lease_owner"] in owners
            late = expired and (row["lease_expires"] or 0) < now()
            if not (dead or late):
                continue
            conn.execute("UPDATE attempts SET ended = ?, outcome = 'lost' WHERE submission = ? AND "
                         "attempt = ? AND ended IS NULL", (now(), row["id"], row["attempts"]))
            _retry_or_fail(conn, row["id"], FAILED_MESSAGE)
            moved.append(row["id"])
        return moved


def counts(store):
    rows = store.all("SELECT status, COUNT(*) FROM submissions GROUP BY status")
    found = {row[0]: row[1] for row in rows}
    return {status: found.get(status, 0) for status in ("queued", "running", "done", "failed")}
