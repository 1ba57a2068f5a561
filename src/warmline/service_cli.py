"""CLI commands that run the service: serve, worker, migrate, keys."""
from __future__ import annotations

import os
import signal
from typing import Optional

import typer

from .cli import app, fail
from .errors import WarmlineError
from .settings import Settings

keys = typer.Typer(no_args_is_help=True, help="Create and revoke API keys.")
app.add_typer(keys, name="keys")


def _settings(**overrides) -> Settings:
    try:
        return Settings.from_env(**overrides)
    except WarmlineError as exc:
        raise fail(f"error: {exc.message}")


def _build(settings: Settings, **kwargs):
    from .bootstrap import build
    try:
        return build(settings, **kwargs)
    except WarmlineError as exc:
        raise fail(f"error: {exc.message}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on."),
    database: Optional[str] = typer.Option(None, "--database", help="Database URL (else WARMLINE_DATABASE_URL, "
                                                                    "else sqlite:///warmline.db)."),
    config: Optional[str] = typer.Option(None, "--config", "-c", help="Policy YAML (else WARMLINE_POLICY, else "
                                                                     "the embedded default)."),
    demo: bool = typer.Option(False, "--demo", help="Create demo accounts with well-known keys (local use only)."),
    worker: Optional[bool] = typer.Option(None, "--worker/--no-worker", help="Run the timer worker in this process "
                                                                             "(default: WARMLINE_WORKER, on)."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes (one per core is right; "
                                                                    "they share the database, SQLite included)."),
) -> None:
    """Run the HTTP API (and the timer worker), migrating the database first."""
    import uvicorn

    from . import logs
    from .bootstrap import DEMO_KEYS, seed_demo
    from .web.app import create_app
    settings = _settings(database_url=database, policy_path=config, worker=worker)
    logs.configure(settings.log_level)
    ctx = _build(settings)
    if demo:
        seed_demo(ctx)
        typer.echo("demo keys (local use only):", err=True)
        for name, role, key, _agent in DEMO_KEYS:
            typer.echo(f"  {role:<10} {key:<22} {name}", err=True)
    typer.echo(f"Warmline on http://{host}:{port} (API docs: /docs) · database {ctx.db.url.render_as_string()} · "
               f"policy {ctx.policies.version} · semantic layer {ctx.policies.engine.semantic_status}", err=True)
    options = dict(host=host, port=port, access_log=False, log_config=None, timeout_graceful_shutdown=5)
    if workers == 1:
        uvicorn.run(create_app(ctx, demo=demo), **options)
        return
    ctx.db.dispose()
    # each process builds its own context from the environment; pass on what the options changed
    os.environ.update({"WARMLINE_DATABASE_URL": settings.database_url, "WARMLINE_SEMANTIC": settings.semantic,
                       "WARMLINE_WORKER": "on" if settings.worker else "off"})
    if settings.policy_path:
        os.environ["WARMLINE_POLICY"] = settings.policy_path
    uvicorn.run("warmline.web.app:app_from_env", factory=True, workers=workers, **options)


@app.command("worker")
def worker_command(database: Optional[str] = typer.Option(None, "--database", help="Database URL.")) -> None:
    """Run only the timer worker (several may run; each timer fires once)."""
    from . import logs
    from .service.handoffs import handlers
    from .service.timers import Worker
    settings = _settings(database_url=database)
    logs.configure(settings.log_level)
    ctx = _build(settings)
    runner = Worker(ctx, handlers())
    signal.signal(signal.SIGTERM, lambda *_: runner.stop(0))
    typer.echo(f"worker running on {ctx.db.url.render_as_string()} (Ctrl-C to stop)", err=True)
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        pass


@app.command()
def migrate(database: Optional[str] = typer.Option(None, "--database", help="Database URL.")) -> None:
    """Create or upgrade the database schema (serve does this on start too)."""
    from .store.db import migrate as run_migrations, open_database
    settings = _settings(database_url=database)
    try:
        before, after = run_migrations(open_database(settings.database_url))
    except WarmlineError as exc:
        raise fail(f"error: {exc.message}")
    typer.echo(f"schema at {after}" + (f" (was {before or 'empty'})" if before != after else " (up to date)"))


@keys.command("create")
def keys_create(
    name: str = typer.Argument(..., help="Who the key is for, e.g. 'web chat bot'."),
    role: str = typer.Option("bot", "--role", help="bot, agent, supervisor or admin."),
    agent: Optional[str] = typer.Option(None, "--agent", help="The agent account the key belongs to."),
    database: Optional[str] = typer.Option(None, "--database", help="Database URL."),
) -> None:
    """Create an API key and print it (it is stored hashed and cannot be shown again)."""
    from .service.access import create_key
    ctx = _build(_settings(database_url=database, semantic="off"))
    try:
        key_id, key = create_key(ctx, name, role, ctx.clock.now(), agent)
    except WarmlineError as exc:
        raise fail(f"error: {exc.message}")
    typer.echo(key)
    typer.echo(f"({role} key {key_id} for {name}; store it now: it is not shown again)", err=True)


@keys.command("revoke")
def keys_revoke(key_id: str = typer.Argument(...),
                database: Optional[str] = typer.Option(None, "--database", help="Database URL.")) -> None:
    """Revoke an API key by its id."""
    from .service.access import revoke_key
    ctx = _build(_settings(database_url=database, semantic="off"))
    try:
        revoke_key(ctx, key_id, ctx.clock.now())
    except WarmlineError as exc:
        raise fail(f"error: {exc.message}")
    typer.echo(f"revoked {key_id}")




@app.command()
def report(
    week: str = typer.Option(..., "--week", help="ISO week, e.g. 2026-W47 (Monday to Sunday, UTC)."),
    fmt: str = typer.Option("md", "--format", help="md or html."),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Write to this file (default: stdout)."),
    database: Optional[str] = typer.Option(None, "--database", help="Database URL."),
) -> None:
    """The weekly escalation review: rates against the target band, top reasons, time patterns, "could the AI
    have handled it?" candidates and agent feedback."""
    from . import reports
    from .service import analytics
    if fmt not in ("md", "html"):
        raise fail(f"error: --format {fmt!r}: expected md or html")
    ctx = _build(_settings(database_url=database, semantic="off", worker=False))
    try:
        start, end = analytics.period_of_week(week)
        summary = analytics.summary(ctx, start, end)
    except WarmlineError as exc:
        raise fail(f"error: {exc.message}")
    title = f"Warmline weekly review, {week.upper()}"
    text = reports.markdown(summary, title) if fmt == "md" else reports.html_report(summary, title)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        typer.echo(f"wrote {out}", err=True)
    else:
        typer.echo(text)
