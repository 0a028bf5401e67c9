"""The JSON API, version 1: ``/api/v1/...`` (OpenAPI at ``/api/v1/openapi.json``)."""

import asyncio
import json
import math
import sqlite3
from typing import Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from . import pipeline, queue, views
from .web import ApiError, check_csrf, user_of

router = APIRouter(prefix="/api/v1")
FORMATS = {"csv": ("text/csv; charset=utf-8", "csv"), "json": ("application/json", "json"),
           "junit": ("application/xml", "xml"), "gradescope": ("application/json", "json")}
KEY_LIMIT = 200
BODY_SLACK = 64 * 1024                 # multipart headers and the other fields
HEARTBEAT_SECONDS = 15.0


def _exercise_or_422(exercise_id):
    if not isinstance(exercise_id, str) or not exercise_id:
        raise ApiError(422, "missing field 'exercise': give an exercise id (see GET /api/v1/exercises)")
    try:
        return views.exercise(exercise_id)
    except pipeline.JudgeError as err:
        raise ApiError(422, str(err).replace("(see `judge list`)", "(see GET /api/v1/exercises)"))


def _too_large(settings):
    return ApiError(413, f"the file is larger than {settings.max_bytes // 1024} KB; hand in only "
                         f"the skeleton with your code between the markers")


async def _read_body(request, settings):
    """(exercise, file name, source bytes) from multipart or JSON."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > settings.max_bytes + BODY_SLACK:
        raise _too_large(settings)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        body = await request.body()
        if len(body) > 6 * settings.max_bytes + BODY_SLACK:     # JSON escapes may take 6 bytes a char
            raise _too_large(settings)
        try:
            data = json.loads(body)
        except ValueError:
            raise ApiError(400, "the body is not valid JSON; send {\"exercise\": ID, \"source\": TEXT}")
        if not isinstance(data, dict):
            raise ApiError(400, "the body must be a JSON object {\"exercise\": ID, \"source\": TEXT}")
        source = data.get("source")
        if not isinstance(source, str):
            raise ApiError(422, "missing field 'source': give the text of your file as a string")
        name = data.get("filename")
        return data.get("exercise"), name, source.encode("utf-8", "surrogatepass")
    if kind == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=8)
        except Exception:  # noqa: BLE001 - a malformed upload is the sender's to fix
            raise ApiError(400, "the multipart body cannot be read; send the fields 'exercise' "
                                "and 'file'")
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "missing field 'file': attach your .py file as 'file'")
        source = await upload.read(settings.max_bytes + 1)
        name = form.get("name") or upload.filename
        return form.get("exercise"), name, source
    raise ApiError(415, "send multipart/form-data (fields 'exercise', 'file') or application/json "
                        "({\"exercise\": ID, \"source\": TEXT})")


@router.post("/submissions", status_code=202,
             summary="Hand in a file (multipart: exercise, file; or JSON: {exercise, source})")
async def create_submission(request: Request):
    settings, store = request.app.state.settings, request.app.state.store
    user = user_of(request)
    check_csrf(request, request.headers.get("x-csrf-token"))
    exercise_id, name, source = await _read_body(request, settings)
    if len(source) > settings.max_bytes:
        raise _too_large(settings)
    ex, _ = _exercise_or_422(exercise_id)
    key = request.headers.get("idempotency-key")
    if key is not None and (not key.strip() or len(key) > KEY_LIMIT):
        raise ApiError(400, f"the Idempotency-Key header must be 1-{KEY_LIMIT} characters")
    return accept(store, settings, user, ex.id, name, source, key)


def accept(store, settings, user, exercise_id, name, source, key=None):
    """Queue a submission unless a limit says wait; the 202 answer, or ApiError."""
    if key is not None:
        found = queue.by_key(store, user.id, key)
        if found is not None:
            return JSONResponse({"id": found["id"], "status": found["status"]}, status_code=202,
                                headers={"Idempotent-Replayed": "true"})
    waiting = queue.pending(store, user.id, exercise_id)
    if waiting is not None:
        raise ApiError(429, f"submission {waiting['id']} for {exercise_id} is still being graded; "
                            f"wait for its verdict, then submit again",
                       {"Retry-After": str(settings.pending_retry)})
    times = queue.recent(store, user.id, settings.rate_window)
    if len(times) >= settings.rate_limit:
        wait = max(1, math.ceil(times[-settings.rate_limit] + settings.rate_window - views.now()))
        raise ApiError(429, f"more than {settings.rate_limit} submissions in "
                            f"{settings.rate_window:g} s; try again in {wait} s",
                       {"Retry-After": str(wait)})
    filename = pipeline.inert(str(name or f"{exercise_id}.py"))[:200]
    try:
        new = queue.submit(store, user.id, exercise_id, filename, source, key)
    except sqlite3.IntegrityError:                  # the same key raced in from a retry
        if key is not None:
            found = queue.by_key(store, user.id, key)
            return JSONResponse({"id": found["id"], "status": found["status"]}, status_code=202,
                                headers={"Idempotent-Replayed": "true"})
        raise
    return JSONResponse({"id": new, "status": "queued"}, status_code=202,
                        headers={"Location": f"/api/v1/submissions/{new}"})


def _visible(request, submission_id):
    user = user_of(request)
    row = views.find(request.app.state.store, user, submission_id)
    if row is None:
        raise ApiError(404, f"no submission {submission_id} of yours; list yours with "
                            f"GET /api/v1/submissions")
    return user, row


@router.get("/submissions/{submission_id}", summary="A submission and its report, as you may see it")
def get_submission(submission_id: int, request: Request):
    user, row = _visible(request, submission_id)
    return views.submission(request.app.state.store, row, user, with_source=True)


@router.get("/submissions", summary="Your submissions (an instructor: everyone's)")
def list_submissions(request: Request, exercise: Optional[str] = None,
                     student: Optional[str] = None):
    user = user_of(request)
    rows = views.listing(request.app.state.store, user, exercise, student)
    return {"submissions": [views.brief(row) for row in rows]}


@router.get("/submissions/{submission_id}/events",
            summary="Server-sent events: each case's verdict as it is decided, then the report")
async def submission_events(submission_id: int, request: Request):
    user, row = _visible(request, submission_id)
    store, settings = request.app.state.store, request.app.state.settings
    start = request.headers.get("last-event-id")
    # a reconnecting browser has had every case up to the last one it saw
    had = set(range(int(start) + 1)) if start and start.isdigit() and int(start) < 10000 else set()

    async def stream():
        sent, attempt, status, quiet = set(had), None, None, 0.0
        while True:
            now_row = views.find(store, user, submission_id)
            if now_row["status"] != status:
                status = now_row["status"]
                yield _event("status", {"status": status, "attempt": now_row["attempts"]})
            if status in queue.PENDING:
                lines = views.case_lines(store, now_row, user)
                if sent and attempt is not None and now_row["attempts"] != attempt:
                    sent = set()
                    yield _event("restart", {"attempt": now_row["attempts"]})
                attempt = now_row["attempts"]
                for line in lines:                       # public cases first: indices may skip
                    if line["index"] not in sent:
                        yield _event("case", line, line["index"])
                        sent.add(line["index"])
            else:
                data = views.submission(store, now_row, user)
                report = data.get("report") or {}
                if report.get("compile_error"):          # no case ran: nothing to stream
                    report = {}
                for index, case in enumerate(report.get("cases", [])):
                    if index not in sent:
                        yield _event("case", dict(case, index=index), index)
                yield _event("done", data)
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(settings.events_poll)
            quiet += settings.events_poll
            if quiet > HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _event(name, data, event_id=None):
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/exercises", summary="Every exercise, with your best score")
def list_exercises(request: Request):
    user = user_of(request)
    best = views.best_scores(request.app.state.store, user)
    found = []
    for exercise_id in pipeline.available():
        try:
            ex, case_list = views.exercise(exercise_id)
        except pipeline.JudgeError:
            continue                       # a broken exercise is the instructor's to fix
        found.append(views.exercise_brief(ex, case_list, best.get(exercise_id)))
    return {"exercises": found}


@router.get("/exercises/{exercise_id}", summary="Statement (en, zh), skeleton and public cases")
def get_exercise(exercise_id: str, request: Request):
    user_of(request)
    try:
        ex, case_list = views.exercise(exercise_id)
    except pipeline.JudgeError as err:
        raise ApiError(404, str(err).replace("(see `judge list`)", "(see GET /api/v1/exercises)"))
    return views.exercise_full(ex, case_list)


def _instructor(request):
    user = user_of(request)
    if not user.instructor:
        raise ApiError(403, "only an instructor may do this; sign in with an instructor's token")
    return user


@router.get("/gradebook", summary="Instructors: grades of an exercise, as `judge batch` exports them")
def gradebook(request: Request, exercise: str,
              format: str = Query("csv", pattern="^(csv|json|junit|gradescope)$"),
              pick: str = Query("best", pattern="^(best|latest)$")):
    _instructor(request)
    _exercise_or_422(exercise)
    results = views.gradebook_results(request.app.state.store, exercise, pick)
    text = {"csv": pipeline.to_csv, "json": pipeline.to_batch_json, "junit": pipeline.to_junit,
            "gradescope": pipeline.to_batch_gradescope}[format](results)
    media, suffix = FORMATS[format]
    return Response(text, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{exercise}-{pick}-{format}.{suffix}"'})


@router.post("/rejudge", summary="Instructors: grade an exercise's submissions again "
                                 "(old results kept, marked superseded)")
async def rejudge(request: Request):
    _instructor(request)
    check_csrf(request, request.headers.get("x-csrf-token"))
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ApiError(400, "the body is not valid JSON; send {\"exercise\": ID}")
    exercise_id = data.get("exercise") if isinstance(data, dict) else None
    ex, _ = _exercise_or_422(exercise_id)
    made = views.rejudge(request.app.state.store, ex.id)
    return JSONResponse({"exercise": ex.id, "queued": len(made), "ids": made}, status_code=202)


@router.get("/healthz", summary="Is the service up, and how long is the queue")
def healthz(request: Request):
    settings = request.app.state.settings
    pool = settings.health() if settings.health else None
    data = {"ok": True, "queue": queue.counts(request.app.state.store)}
    if pool is not None:
        data["judges"] = pool
        data["ok"] = pool.get("alive", 0) > 0
    return JSONResponse(data, status_code=200 if data["ok"] else 503)
