"""``keel serve``: the HTTP API (FastAPI on uvicorn) over the agents at the given paths.

Every spec is validated before the server listens: a broken one prints its
file:line problems and exits 2. The store, PII key and audit options are those of
every other ``keel`` command (settings from keel.toml and KEEL_*).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from keel.cli import context
from keel.errors import KeelError, SpecError, UserError

err = Console(stderr=True, highlight=False)


def serve(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="spec files or folders (a folder of agent folders serves each); default: ."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="processes (more than 1 needs a Postgres database_url)")
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
    config: Annotated[Path | None, typer.Option("--config", help="keel.toml to use")] = None,
) -> None:
    """Serve agents over HTTP: REST with OpenAPI at /openapi.json (docs at /docs) and an
    OpenAI-compatible /v1/chat/completions. Authentication is on: create a key with
    `keel keys create`."""
    try:
        import uvicorn

        from keel.api.app import SERVE_PATHS_ENV, build_service, create_app
    except ImportError as e:  # pragma: no cover - the serve extra is part of every install here
        err.print(
            f"[red]error:[/] keel serve needs the 'serve' extra: pip install 'keel[serve]' ({e})"
        )
        raise typer.Exit(2) from None
    try:
        settings = context.settings(config)
        if workers > 1 and settings.store_url.startswith("sqlite"):
            raise UserError(
                "--workers above 1 needs a shared database: the embedded SQLite store is "
                "served by one process (set database_url to a Postgres URL, or use --workers 1)"
            )
        svc = build_service(settings, paths or [Path(".")])
    except SpecError as e:
        for p in e.problems:
            err.print(str(p), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except KeelError as e:
        err.print(f"[red]error:[/] {escape(e.code)}: {escape(e.message)}", soft_wrap=True)
        raise typer.Exit(2) from None
    agents = ", ".join(
        f"{a.name}@{a.version}" for n in svc.registry.names() for a in svc.registry.versions(n)
    )
    err.print(
        f"keel serve: {agents} on http://{host}:{port} (store {svc.store.location})",
        markup=False,
        soft_wrap=True,
    )
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if workers == 1:
        uvicorn.run(
            create_app(svc),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            server_header=False,
        )
        return
    # Several processes: each builds its own service from the same paths and settings.
    svc.store.close()
    os.environ[SERVE_PATHS_ENV] = os.pathsep.join(str(p.resolve()) for p in paths or [Path(".")])
    if config is not None:
        os.environ["KEEL_CONFIG"] = str(config.resolve())
    uvicorn.run(
        "keel.api.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        server_header=False,
    )
