"""What the ``keel`` command modules share: consoles, exit codes, the ``--config``
option, and the few output helpers that must read the same in every command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from keel.cli import context
from keel.errors import KeelError
from keel.store import Store

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="keel.toml to use (default: $KEEL_CONFIG, ./keel.toml, then $KEEL_HOME/keel.toml)",
    ),
]


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print ``message`` as an error (never read as markup); the exit to raise."""
    err.print(f"[red]error:[/] {escape(message)}", markup=True, highlight=False)
    return typer.Exit(code)


def plain(line: str) -> None:
    """One line of data (user input, model output): never markup."""
    out.print(line, markup=False, highlight=False)


def open_store(config: Path | None) -> tuple[Any, Store]:
    """Settings and store, or exit 2 saying what is wrong with the configuration."""
    try:
        s = context.settings(config)
        return s, context.open_store(s)
    except KeelError as e:
        raise fail(f"{e.code}: {e.message}") from None


def age(seconds: float) -> str:
    """``42s``, ``5m``, ``3h``, ``2d``: how long something has waited."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(max(seconds, 0))}s"
