"""What a user may see, shaped once for the API and the pages.

A student sees their own submissions, with the report in the student view
(hidden cases by number, no details); an instructor sees everyone's, every
detail included. Nothing here grades: reports come from the store.
"""

import json
import time
from datetime import datetime, timezone

from . import pipeline, queue

FAILED = {"en": "The judge failed on this submission; this attempt does not count. Please submit again.",
          "zh": "评测机自身出错，本次提交不计入成绩。请重新提交。"}


def iso(stamp):
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def find(store, user, submission_id):
    """The submission row if ``user`` may see it, else None (so: a 404, never a 403)."""
    row = store.one("SELECT submissions.*, users.name AS student FROM submissions JOIN users ON "
                    "users.id = submissions.user_id WHERE submissions.id = ?", (submission_id,))
    if row is None or (not user.instructor and row["user_id"] != user.id):
        return None
    return row


def report(row, user):
    column = "report_instructor" if user.instructor else "report_student"
    if row["status"] == "failed" and not user.instructor:
        return None
    return json.loads(row[column]) if row[column] else None


def case_lines(store, row, user):
    column = "instructor" if user.instructor else "student"
    return [dict(json.loads(r[column]), index=r["idx"])
            for r in store.all(f"SELECT idx, {column} FROM case_results WHERE submission = ? "
                               f"ORDER BY idx", (row["id"],))]


def submission(store, row, user, with_source=False):
    data = {
        "id": row["id"], "student": row["student"], "exercise": row["exercise"],
        "filename": row["filename"], "status": row["status"], "created": iso(row["created"]),
        "attempts": row["attempts"], "superseded": bool(row["superseded"]),
        "rejudge_of": row["rejudge_of"], "verdict": row["verdict"], "score": row["score"],
        "max_score": row["max_score"], "report": report(row, user),
    }
    if row["status"] == "failed":
        data["message"] = queue.FAILED_MESSAGE
        if user.instructor:
            data["error"] = row["error"]
    if row["status"] in queue.PENDING:
        data["cases"] = case_lines(store, row, user)
    if with_source:
        data["source"] = bytes(row["source"]).decode("utf-8", "replace")
    return data


def listing(store, user, exercise=None, student=None):
    sql = ("SELECT submissions.*, users.name AS student FROM submissions JOIN users ON "
           "users.id = submissions.user_id WHERE 1 = 1")
    args = []
    if not user.instructor:
        sql += " AND submissions.user_id = ?"
        args.append(user.id)
    elif student:
        sql += " AND users.name = ?"
        args.append(student)
    if exercise:
        sql += " AND submissions.exercise = ?"
        args.append(exercise)
    rows = store.all(sql + " ORDER BY submissions.id DESC", args)
    return rows


def brief(row):
    return {"id": row["id"], "student": row["student"], "exercise": row["exercise"],
            "status": row["status"], "created": iso(row["created"]), "verdict": row["verdict"],
            "score": row["score"], "max_score": row["max_score"],
            "superseded": bool(row["superseded"]), "attempts": row["attempts"]}


# ---------------------------------------------------------------- exercises

_EXERCISES = {}


def exercise(exercise_id):
    """(Exercise, cases) of a known exercise, parsed once per case-set version."""
    ex = pipeline.load_exercise(exercise_id)
    version = pipeline.case_set_version(ex)
    held = _EXERCISES.get(exercise_id)
    if held is None or held[0] != version:
        held = _EXERCISES[exercise_id] = (version, ex, pipeline.load_cases(ex))
    return held[1], held[2]


def exercise_brief(ex, case_list, best=None):
    return {"id": ex.id, "title": {lang: ex.display_title(lang) for lang in pipeline.LANGUAGES},
            "cases": len(case_list), "public_cases": sum(c.public for c in case_list),
            "max_score": sum(c.points for c in case_list), "best_score": best}


def exercise_full(ex, case_list):
    statements = {}
    for lang in pipeline.LANGUAGES:
        try:
            statements[lang] = pipeline.statement(ex, lang)
        except pipeline.JudgeError:
            statements[lang] = None
    public = [c for c in case_list if c.public]
    return dict(
        exercise_brief(ex, case_list),
        statement=statements,
        skeleton=ex.skeleton.read_text(encoding="utf-8"),
        public=[{"name": c.name, "description": c.description, "params": dict(c.params),
                 "points": c.points} for c in public],
        hidden={"count": len(case_list) - len(public),
                "points": sum(c.points for c in case_list if not c.public)},
        case_names=pipeline.case_names(case_list),
    )


def best_scores(store, user):
    rows = store.all("SELECT exercise, MAX(score) FROM submissions WHERE user_id = ? AND "
                     "status = 'done' AND superseded = 0 GROUP BY exercise", (user.id,))
    return {row[0]: row[1] for row in rows}


# ---------------------------------------------------------------- class results

PICKS = ("best", "latest")


def chosen(store, exercise_id, pick="best"):
    """[(student name, row)]: each student's best (ties: the latest) or latest
    graded submission of ``exercise_id`` that no rejudge replaced."""
    rows = store.all("SELECT submissions.*, users.name AS student FROM submissions JOIN users ON "
                     "users.id = submissions.user_id WHERE exercise = ? AND status = 'done' AND "
                     "superseded = 0 ORDER BY users.name, created, submissions.id", (exercise_id,))
    picked = {}
    for row in rows:
        held = picked.get(row["student"])
        if held is None or pick == "latest" or row["score"] >= held["score"]:
            picked[row["student"]] = row
    return sorted(picked.items())


def gradebook_results(store, exercise_id, pick="best"):
    """[(student, Report)] for the exporters of ``judge batch``."""
    return [(student, pipeline.from_dict(json.loads(row["report_instructor"])))
            for student, row in chosen(store, exercise_id, pick)]


def grid(store, exercise_ids):
    """Per student and exercise: best score, latest verdict, attempts, submission ids."""
    rows = store.all("SELECT submissions.id, submissions.exercise, submissions.status, "
                     "submissions.verdict, submissions.score, submissions.max_score, "
                     "submissions.superseded, users.name AS student FROM submissions JOIN users "
                     "ON users.id = submissions.user_id ORDER BY submissions.created, submissions.id")
    cells = {}
    for row in rows:
        if row["exercise"] not in exercise_ids or row["superseded"]:
            continue
        cell = cells.setdefault((row["student"], row["exercise"]),
                                {"best": None, "latest": None, "attempts": 0, "ids": []})
        cell["attempts"] += 1
        cell["ids"].append(row["id"])
        cell["latest"] = row["verdict"] if row["status"] == "done" else row["status"]
        cell["latest_id"] = row["id"]
        if row["status"] == "done" and (cell["best"] is None or row["score"] > cell["best"]):
            cell["best"] = row["score"]
            cell["max"] = row["max_score"]
    return cells


def rejudge(store, exercise_id):
    """Queue every graded submission of ``exercise_id`` again; mark the old
    results superseded (kept, no longer counted). Return the new ids."""
    made = []
    with store.transaction() as conn:
        rows = conn.execute("SELECT * FROM submissions WHERE exercise = ? AND superseded = 0 AND "
                            "status IN ('done', 'failed') ORDER BY id", (exercise_id,)).fetchall()
        for row in rows:
            cursor = conn.execute(
                "INSERT INTO submissions (user_id, exercise, filename, source, created, status, "
                "rejudge_of) VALUES (?, ?, ?, ?, ?, 'queued', ?)",
                (row["user_id"], row["exercise"], row["filename"], row["source"], row["created"],
                 row["id"]))
            conn.execute("UPDATE submissions SET superseded = 1 WHERE id = ?", (row["id"],))
            made.append(cursor.lastrowid)
    return made


def now():
    return time.time()
