"""The HTTP side of ``judge serve``: a FastAPI app over the store.

It stores submissions and shows reports; it never grades, so it never
imports the modules that load references or expected arrays (the judge
processes of ``judges`` do that). ``create_app`` builds it for a data folder.
"""

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from . import accounts, pipeline
from .store import Store

HERE = Path(__file__).parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


@dataclass
class Settings:
    data: Path
    max_bytes: int = pipeline.MAX_BYTES       # the judge's own cap on a submission file
    rate_limit: int = 20                     # submissions per student ...
    rate_window: float = 60.0                # ... per this many seconds
    pending_retry: int = 3                   # Retry-After (s) when one is still pending
    events_poll: float = 0.1                 # how often a stream looks for new verdicts
    health: object = None                    # () -> dict about the grading pool
    secure_cookies: bool = False             # set when served over https


class ApiError(Exception):
    """A request the service refuses: status, one line saying what and how to fix it."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _wants_json(request):
    return request.url.path.startswith("/api/")


def create_app(settings):
    store = Store(settings.data)
    app = FastAPI(title="dl-judge", version=__version__,
                  description="An online judge for numpy deep-learning exercises.",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    app.state.store = store
    app.state.settings = settings

    @app.middleware("http")
    async def headers(request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.exception_handler(ApiError)
    async def api_error(request, err):
        if 300 <= err.status < 400:                     # a page that wants a signed-in user
            from fastapi.responses import RedirectResponse
            return RedirectResponse(err.headers["Location"], status_code=err.status)
        return _error(request, err.status, err.message, err.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, err):
        message = {404: f"no such address: {request.url.path}; the API is under /api/v1 "
                        f"(see /api/v1/openapi.json)",
                   405: f"{request.method} is not allowed on {request.url.path}; see "
                        f"/api/v1/openapi.json"}.get(err.status_code, str(err.detail))
        return _error(request, err.status_code, message, getattr(err, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request, err):
        first = err.errors()[0] if err.errors() else {}
        where = " ".join(str(part) for part in first.get("loc", ()) if part != "body")
        return _error(request, 422, f"{where or 'request'}: {first.get('msg', 'invalid')}; "
                                    f"see /api/v1/openapi.json")

    @app.exception_handler(Exception)
    async def crashed(request, err):
        return _error(request, 500, f"internal error of the judge ({type(err).__name__}); "
                                    f"try again, and tell your instructor if it persists")

    from . import api, pages
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app


def _error(request, status, message, headers=None):
    message = " ".join(str(message).split())           # always one line
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    from . import pages
    return pages.error_page(request, status, message, headers)


# ---------------------------------------------------------------- who is asking

def bearer(request):
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "the Authorization header must be 'Bearer TOKEN'",
                       {"WWW-Authenticate": "Bearer"})
    return token.strip()


def user_of(request, required=True):
    """The signed-in user: a bearer token, else the session cookie (whose
    unsafe requests must carry the session's CSRF token)."""
    store = request.app.state.store
    token = bearer(request)
    if token is not None:
        user = accounts.by_token(store, token)
        if user is None:
            raise ApiError(401, "this token is not valid or was revoked; ask your instructor "
                                "for a new one", {"WWW-Authenticate": "Bearer"})
        request.state.csrf = None
        return user
    user, csrf = accounts.by_session(store, request.cookies.get("session"))
    request.state.csrf = csrf
    if user is None:
        if required:
            raise ApiError(401, "not signed in: send 'Authorization: Bearer TOKEN' with the token "
                                "your instructor gave you", {"WWW-Authenticate": "Bearer"})
        return None
    return user


def check_csrf(request, sent):
    """Refuse an unsafe request made with a session cookie but without its CSRF token."""
    expected = getattr(request.state, "csrf", None)
    if expected is None:                                   # bearer token: no cookie, no CSRF
        return
    import hmac
    if not sent or not hmac.compare_digest(str(sent), expected):
        raise ApiError(403, "the form's security token is missing or out of date; reload the "
                            "page and try again")

