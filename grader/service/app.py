"""The HTTP side of ``judge serve``: a FastAPI app over the store.

It stores submissions and shows reports; it never grades, so it never
imports the modules that load references or expected arrays (the judge
processes of ``judges`` do that). ``create_app`` builds it for a data folder.
"""

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .store import Store
from .web import CSP, HERE, ApiError, Settings, _wants_json

__all__ = ["Settings", "create_app"]

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
