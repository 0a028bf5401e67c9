"""The web pages: server-rendered, in English and Chinese, no build step.

Every form carries the session's CSRF token; everything shown that a student
wrote (source, names, printed output) is escaped by the templates.
"""

import json
import secrets
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from . import accounts, i18n, pipeline, queue, views
from .web import HERE, ApiError, check_csrf, user_of
from .render import markdown

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(HERE / "templates"))
PRE_CSRF = "signin_csrf"


def _page(request, name, status=200, **context):
    lang = i18n.choose(request)
    user = context.get("user")
    context.update(request=request, lang=lang, w=i18n.words(lang), user=user,
                   csrf=getattr(request.state, "csrf", None), here=request.url.path)
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request, status, message, headers=None):
    try:
        user = user_of(request, required=False)
    except ApiError:
        user = None
    return _page(request, "error.html", status=status, user=user, status_code=status,
                 message=message)


def _signed_in(request):
    user = user_of(request, required=False)
    if user is None:
        raise _Redirect(f"/signin?next={quote(request.url.path)}")
    return user


class _Redirect(ApiError):
    def __init__(self, where):
        super().__init__(303, "see other", {"Location": where})


def _go(where):
    return RedirectResponse(where, status_code=303)


def _safe_next(target):
    return target if isinstance(target, str) and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target else "/exercises"


@router.get("/")
def home(request: Request):
    return _go("/exercises" if user_of(request, required=False) else "/signin")


@router.get("/signin")
def signin_form(request: Request, next: str = "/exercises", problem: str = ""):
    token = secrets.token_urlsafe(24)
    response = _page(request, "signin.html", pre_csrf=token, next=_safe_next(next),
                     problem=problem)
    response.set_cookie(PRE_CSRF, token, httponly=True, samesite="strict", path="/signin",
                        secure=request.app.state.settings.secure_cookies)
    return response


@router.post("/signin")
async def signin(request: Request):
    form = await request.form()
    sent, expected = form.get("csrf"), request.cookies.get(PRE_CSRF)
    if not sent or not expected or not secrets.compare_digest(str(sent), expected):
        raise ApiError(403, "the form's security token is missing or out of date; reload the "
                            "page and try again")
    store = request.app.state.store
    user = accounts.by_token(store, str(form.get("token", "")).strip())
    target = _safe_next(form.get("next"))
    if user is None:
        return _go(f"/signin?problem=bad_token&next={quote(target)}")
    cookie, _ = accounts.open_session(store, user)
    response = _go(target)
    response.set_cookie("session", cookie, httponly=True, samesite="lax", path="/",
                        max_age=accounts.SESSION_SECONDS,
                        secure=request.app.state.settings.secure_cookies)
    response.delete_cookie(PRE_CSRF, path="/signin")
    return response


@router.post("/signout")
async def signout(request: Request):
    _signed_in(request)
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    accounts.close_session(request.app.state.store, request.cookies.get("session"))
    response = _go("/signin")
    response.delete_cookie("session", path="/")
    return response


@router.get("/lang/{code}")
def language(code: str, request: Request, next: str = "/"):
    response = _go(_safe_next(next))
    if code in i18n.LANGS:
        response.set_cookie("lang", code, samesite="lax", path="/", max_age=365 * 86400)
    return response


@router.get("/exercises")
def exercise_list(request: Request):
    user = _signed_in(request)
    best = views.best_scores(request.app.state.store, user)
    rows = []
    for exercise_id in pipeline.available():
        try:
            ex, case_list = views.exercise(exercise_id)
        except pipeline.JudgeError:
            continue
        rows.append(views.exercise_brief(ex, case_list, best.get(exercise_id)))
    return _page(request, "exercises.html", user=user, exercises=rows)


def split_skeleton(text):
    """(head through the Begin marker, the region between, the End marker onwards)."""
    lines = text.split("\n")
    begin = next((i for i, line in enumerate(lines) if pipeline.BEGIN.match(line)), None)
    end = next((i for i, line in enumerate(lines) if pipeline.END.match(line)), None)
    if begin is None or end is None or end < begin:
        return text, "", ""
    return ("\n".join(lines[:begin + 1]), "\n".join(lines[begin + 1:end]), "\n".join(lines[end:]))


def _exercise(request, exercise_id):
    try:
        return views.exercise(exercise_id)
    except pipeline.JudgeError as err:
        raise ApiError(404, str(err))


@router.get("/exercises/{exercise_id}")
def exercise_page(exercise_id: str, request: Request, problem: str = "", wait: int = 0):
    user = _signed_in(request)
    ex, case_list = _exercise(request, exercise_id)
    info = views.exercise_full(ex, case_list)
    lang = i18n.choose(request)
    text = info["statement"].get(lang) or info["statement"].get("en") or ""
    head, region, tail = split_skeleton(info["skeleton"])
    mine = [views.brief(r) for r in views.listing(request.app.state.store, user, ex.id)
            if r["user_id"] == user.id][:10]
    return _page(request, "exercise.html", user=user, ex=info, statement=markdown(text),
                 head=head, region=region, tail=tail, mine=mine, problem=problem, wait=wait,
                 kb=request.app.state.settings.max_bytes // 1024)


@router.post("/exercises/{exercise_id}/submit")
async def submit_page(exercise_id: str, request: Request):
    user = _signed_in(request)
    ex, _ = _exercise(request, exercise_id)
    settings = request.app.state.settings
    try:
        form = await request.form(max_files=1, max_fields=8)
    except Exception:  # noqa: BLE001
        raise ApiError(400, "the form cannot be read; reload the page and try again")
    check_csrf(request, form.get("csrf"))
    upload = form.get("file")
    if form.get("via") == "file":
        if upload is None or isinstance(upload, str) or not upload.filename:
            return _go(f"/exercises/{ex.id}?problem=no_file")
        source = await upload.read(settings.max_bytes + 1)
        name = upload.filename
    else:
        head, _, tail = split_skeleton(ex.skeleton.read_text(encoding="utf-8"))
        region = str(form.get("region", "")).replace("\r\n", "\n").rstrip("\n")
        source = f"{head}\n{region}\n{tail}".encode("utf-8", "surrogatepass")
        name = f"{ex.id}.py"
    if len(source) > settings.max_bytes:
        return _go(f"/exercises/{ex.id}?problem=too_large")
    from .api import accept
    try:
        response = accept(request.app.state.store, settings, user, ex.id, name, source)
    except ApiError as err:
        if err.status != 429:
            raise
        kind = "wait_pending" if "still being graded" in err.message else "too_many"
        return _go(f"/exercises/{ex.id}?problem={kind}&wait={err.headers.get('Retry-After', 1)}")
    return _go(f"/submissions/{json.loads(response.body)['id']}")


@router.get("/submissions")
def history(request: Request, exercise: str = "", student: str = ""):
    user = _signed_in(request)
    rows = [views.brief(r) for r in views.listing(request.app.state.store, user,
                                                   exercise or None, student or None)]
    return _page(request, "history.html", user=user, rows=rows, exercise=exercise, student=student)


@router.get("/submissions/{submission_id}")
def submission_page(submission_id: int, request: Request):
    user = _signed_in(request)
    store = request.app.state.store
    row = views.find(store, user, submission_id)
    if row is None:
        raise ApiError(404, f"no submission {submission_id} of yours")
    data = views.submission(store, row, user, with_source=True)
    view = "instructor" if user.instructor else "student"
    text = (pipeline.to_text(pipeline.from_dict(data["report"]), view=view, reveal=user.instructor)
            if data["report"] else "")
    return _page(request, "submission.html", user=user, sub=data, text=text,
                 pending=row["status"] in queue.PENDING)


@router.get("/class")
def class_page(request: Request, done: int = -1):
    user = _signed_in(request)
    if not user.instructor:
        raise ApiError(403, "only an instructor may see the class; sign in with an instructor's token")
    store = request.app.state.store
    ids = pipeline.available()
    titles, stats = {}, {}
    for exercise_id in ids:
        try:
            ex, _ = views.exercise(exercise_id)
        except pipeline.JudgeError:
            continue
        titles[exercise_id] = ex.display_title(i18n.choose(request))
        stats[exercise_id] = pipeline.summary(views.gradebook_results(store, exercise_id, "best"))
    cells = views.grid(store, set(titles))
    names = sorted({s.name for s in accounts.students(store)} | {name for name, _ in cells})
    return _page(request, "class.html", user=user, names=names, titles=titles, cells=cells,
                 stats=stats, rejudged=done)


@router.post("/class/rejudge")
async def rejudge_page(request: Request):
    user = _signed_in(request)
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    if not user.instructor:
        raise ApiError(403, "only an instructor may rejudge")
    ex, _ = _exercise(request, str(form.get("exercise", "")))
    made = views.rejudge(request.app.state.store, ex.id)
    return _go(f"/class?done={len(made)}")
