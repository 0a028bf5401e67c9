"""What every request handler shares: the service's settings, its refusals, and who is asking."""

from dataclasses import dataclass
from pathlib import Path

from . import accounts, pipeline

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
