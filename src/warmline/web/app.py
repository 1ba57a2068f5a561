"""The FastAPI app factory and the one translation boundary from errors to HTTP: every error, ours or the
framework's, leaves as {"error": {"code", "message", ...}}."""
from __future__ import annotations

import logging
from pathlib import Path
import time
import uuid
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, metrics
from ..errors import HTTP_STATUS, WarmlineError
from ..service.context import Context
from ..service.handoffs import handlers
from ..service.timers import Worker
from . import api, console, demo as demo_chat, sse

log = logging.getLogger("warmline.http")
MAX_BODY_BYTES = 1_000_000
MAX_IMPORT_BYTES = 50_000_000   # POST /v1/import takes whole transcript files


def error(status: int, code: str, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)


def app_from_env() -> FastAPI:
    """The app of one `serve --workers N` process: settings from the environment, schema already migrated by
    the parent."""
    from .. import logs
    from ..bootstrap import build
    from ..settings import Settings
    settings = Settings.from_env()
    logs.configure(settings.log_level)
    return create_app(build(settings, migrate_schema=False))


def create_app(ctx: Context, run_worker: bool | None = None, demo: bool = False) -> FastAPI:
    run_worker = ctx.settings.worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        worker = Worker(ctx, handlers()) if run_worker else None
        if worker:
            worker.start()
        yield
        if worker:
            worker.stop()

    app = FastAPI(title="Warmline", version=__version__, lifespan=lifespan,
                  description="Escalation engine for AI customer-support bots. Authenticate with "
                              "`Authorization: Bearer <key>`; every error is `{\"error\": {\"code\", \"message\"}}`.")
    app.state.ctx = ctx
    app.include_router(api.router)
    app.include_router(sse.router)
    app.include_router(console.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    if demo:   # the customer chat page: open to anyone, so only on a demo server
        app.include_router(demo_chat.router)

    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/demo" if demo else "/console", status_code=303)

    @app.exception_handler(console.SignIn)
    async def sign_in(_request: Request, _exc: console.SignIn):
        return RedirectResponse("/console/login", status_code=303)

    app.add_middleware(Observe)

    @app.exception_handler(WarmlineError)
    async def warmline_error(_request: Request, exc: WarmlineError):
        return JSONResponse(exc.as_dict(), status_code=HTTP_STATUS.get(exc.code, 400))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError):
        problems = [{"path": ".".join(str(p) for p in e["loc"] if p != "body") or "(body)",
                     "message": _plain(e)} for e in exc.errors()]
        first = problems[0]
        return error(422, "invalid_request", f"{first['path']}: {first['message']}", problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = "no such endpoint (see /docs)" if exc.status_code == 404 and exc.detail == "Not Found" \
            else str(exc.detail)
        return error(exc.status_code, code, message)

    @app.exception_handler(sa.exc.OperationalError)
    async def database_down(_request: Request, exc: sa.exc.OperationalError):
        log.error("database error: %s", exc.orig)
        return error(503, "database_unavailable", "the database is unavailable; retry with the same message id")

    @app.exception_handler(Exception)
    async def crash(_request: Request, exc: Exception):
        incident = uuid.uuid4().hex[:12]
        log.exception("unhandled error %s", incident)
        return error(500, "internal_error", f"unexpected error (incident {incident} in the server log); "
                                            "nothing was half-saved: retry with the same message id")

    @app.get("/healthz", tags=["ops"], summary="Liveness and database reachability")
    def healthz():
        with ctx.db.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return {"status": "ok", "policy": ctx.policies.version, "semantic": ctx.policies.engine.semantic_status,
                "database": ctx.db.dialect.name}

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics")
    def prometheus():
        _refresh_gauges(ctx)
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return app


class Observe:
    """Pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request): refuses bodies over
    the limit before reading them, and times every request for /metrics by route and status."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        length = dict(scope["headers"]).get(b"content-length", b"")
        limit = MAX_IMPORT_BYTES if scope["path"] == "/v1/import" else MAX_BODY_BYTES
        if length.isdigit() and int(length) > limit:
            response = error(413, "too_large", f"request body of {int(length)} bytes is over the limit of {limit}")
            await response(scope, receive, send)
            status = 413
        else:
            status = 500

            async def observed(message):
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)
            await self.app(scope, receive, observed)
        route = scope.get("route")
        metrics.REQUESTS.labels(getattr(route, "path", "unmatched"), str(status)).observe(
            time.perf_counter() - started)


def _plain(e: dict) -> str:
    if tuple(e["loc"]) == ("body",):
        if e["type"] == "missing":
            return "a JSON object is required as the request body (see /docs)"
        if e["type"] in ("model_attributes_type", "dict_type"):
            return "the body must be a JSON object, sent with Content-Type: application/json"
    if e["type"] == "extra_forbidden":
        return "unknown field (check the spelling; see /docs for the fields)"
    if e["type"] == "json_invalid":
        return f"malformed JSON: {e.get('ctx', {}).get('error', e['msg'])}"
    return e["msg"]


def _refresh_gauges(ctx: Context) -> None:
    from ..store.tables import OPEN_HANDOFF_STATES, handoffs
    with ctx.db.connect() as conn:
        rows = conn.execute(sa.select(handoffs.c.queue, handoffs.c.state, sa.func.count())
                            .where(handoffs.c.state.in_(OPEN_HANDOFF_STATES))
                            .group_by(handoffs.c.queue, handoffs.c.state)).all()
    metrics.OPEN_HANDOFFS.clear()
    for queue, state, count in rows:
        metrics.OPEN_HANDOFFS.labels(queue, state).set(count)
