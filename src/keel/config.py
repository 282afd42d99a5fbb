"""Keel's settings: one typed object built at the edge and passed down.

Sources, later ones winning: built-in defaults, the config file (``keel.toml``),
``KEEL_*`` environment variables, command-line flags. Only the edges (``keel.cli``,
``keel.api``) call ``load_settings``, handing it the process environment; nothing
below them reads the environment.

``keel.toml``::

    data_dir = ".keel"                       # KEEL_DATA_DIR
    database_url = "sqlite:///.keel/keel.db" # KEEL_DATABASE_URL (default: <data_dir>/keel.db)
    max_concurrency = 256                    # KEEL_MAX_CONCURRENCY
    max_concurrency_per_agent = 64           # KEEL_MAX_CONCURRENCY_PER_AGENT
    max_queue = 10000                        # KEEL_MAX_QUEUE
    session_turns = 20                       # KEEL_SESSION_TURNS
    audit_checkpoint_every = 1000            # KEEL_AUDIT_CHECKPOINT_EVERY (records)
    audit_checkpoint_interval_s = 60         # KEEL_AUDIT_CHECKPOINT_INTERVAL_S
    audit_checkpoint_file = "checkpoints.jsonl"  # KEEL_AUDIT_CHECKPOINT_FILE (also publish there)
    audit_checkpoint_webhook = "https://…"   # KEEL_AUDIT_CHECKPOINT_WEBHOOK (POST each)

    [prices]                                 # USD per million tokens, overrides the table
    "openai:gpt-4o-mini" = { input = 0.15, output = 0.60 }
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from keel.errors import ConfigError

CONFIG_FILE = "keel.toml"


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    input: float = Field(ge=0, description="USD per million input tokens")
    output: float = Field(ge=0, description="USD per million output tokens")


class Settings(BaseModel):
    """Everything configurable about a Keel process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Path(".keel")
    database_url: str | None = None
    max_concurrency: int = Field(default=256, ge=1)
    max_concurrency_per_agent: int | None = Field(default=None, ge=1)
    max_queue: int = Field(default=10_000, ge=0)
    session_turns: int = Field(default=20, ge=0)
    prices: dict[str, Price] = Field(default_factory=dict)
    audit_checkpoint_every: int = Field(default=1000, ge=1)
    audit_checkpoint_interval_s: float = Field(default=60.0, gt=0)
    audit_checkpoint_file: Path | None = None
    audit_checkpoint_webhook: str | None = None
    config_file: Path | None = None

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'keel.db').resolve()}"


_ENV = {
    "KEEL_DATA_DIR": "data_dir",
    "KEEL_DATABASE_URL": "database_url",
    "KEEL_MAX_CONCURRENCY": "max_concurrency",
    "KEEL_MAX_CONCURRENCY_PER_AGENT": "max_concurrency_per_agent",
    "KEEL_MAX_QUEUE": "max_queue",
    "KEEL_SESSION_TURNS": "session_turns",
    "KEEL_AUDIT_CHECKPOINT_EVERY": "audit_checkpoint_every",
    "KEEL_AUDIT_CHECKPOINT_INTERVAL_S": "audit_checkpoint_interval_s",
    "KEEL_AUDIT_CHECKPOINT_FILE": "audit_checkpoint_file",
    "KEEL_AUDIT_CHECKPOINT_WEBHOOK": "audit_checkpoint_webhook",
}


def _find_config(environ: Mapping[str, str], cwd: Path, explicit: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist")
        return explicit
    if "KEEL_CONFIG" in environ:
        path = Path(environ["KEEL_CONFIG"])
        if not path.is_file():
            raise ConfigError(f"KEEL_CONFIG points to {path}, which does not exist")
        return path
    candidates = [cwd / CONFIG_FILE]
    if "KEEL_HOME" in environ:
        candidates.append(Path(environ["KEEL_HOME"]) / CONFIG_FILE)
    return next((p for p in candidates if p.is_file()), None)


def load_settings(
    environ: Mapping[str, str],
    *,
    cwd: Path | None = None,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build settings from file, environment and flags. Raises ``ConfigError``."""
    cwd = cwd or Path.cwd()
    values: dict[str, Any] = {}
    path = _find_config(environ, cwd, config_file)
    if path is not None:
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"{path}: {e}") from e
        if "data_dir" in values:
            # Relative paths in a config file are relative to that file.
            values["data_dir"] = path.parent / values["data_dir"]
        values["config_file"] = path
    for var, key in _ENV.items():
        if var in environ and environ[var] != "":
            values[key] = environ[var]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        source = f" (from {path})" if path else ""
        raise ConfigError(f"invalid settings{source}: {problems}") from e
