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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from keel.errors import ConfigError

CONFIG_FILE = "keel.toml"


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    input: float = Field(ge=0, description="USD per million input tokens")
    output: float = Field(ge=0, description="USD per million output tokens")


class WebhookSettings(BaseModel):
    """One webhook receiver of HITL and run events (docs/hitl.md#webhooks)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str = Field(pattern=r"^https?://", description="where events are POSTed")
    name: str | None = Field(default=None, description="default: the URL")
    events: list[str] = Field(default_factory=list, description="empty: every event")
    secret: SecretStr | None = Field(default=None, description="HMAC-SHA256 signing key")
    template: Any = Field(default=None, description="JSON body with {field.path} placeholders")


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
    api_rate_limit_per_s: float = Field(default=100.0, ge=0)
    api_rate_limit_burst: int = Field(default=200, ge=1)
    api_max_request_bytes: int = Field(default=1_048_576, ge=1024)
    api_cors_origins: list[str] = Field(default_factory=list)
    jwt_jwks_url: str | None = None
    jwt_jwks_file: Path | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    jwt_leeway_s: float = Field(default=30.0, ge=0)
    jwt_tenant_claim: str = "tenant"
    jwt_roles_claim: str = "roles"
    telemetry_exporter: Literal["none", "otlp", "console"] = "none"
    telemetry_protocol: Literal["http/protobuf", "grpc"] = "http/protobuf"
    telemetry_endpoint: str | None = None
    telemetry_headers: dict[str, str] = Field(default_factory=dict, repr=False)
    telemetry_service_name: str = "keel"
    telemetry_capture_content: bool = False
    telemetry_metrics_interval_s: float = Field(default=60.0, gt=0)
    drift_sigma: float = Field(default=2.0, gt=0)
    drift_window_s: float = Field(default=3600.0, gt=0)
    drift_min_samples: int = Field(default=5, ge=1)
    drift_min_runs: int = Field(default=5, ge=1)
    drift_alpha: float = Field(default=0.1, gt=0, le=1)
    alert_webhooks: list[str] = Field(default_factory=list)
    alert_webhook_secret: SecretStr | None = None
    eval_schedule: str | None = None
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    webhook_max_attempts: int = Field(default=5, ge=1, le=50)
    webhook_backoff_s: float = Field(default=1.0, gt=0)
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    escalation_token_ttl_s: float = Field(default=86_400.0, gt=0)
    pii_vault_ttl_s: float = Field(default=2_592_000.0, gt=0)
    pii_vault_keyring: Path | None = None
    pii_vault_key_refresh_s: float = Field(default=10.0, gt=0)
    config_file: Path | None = None

    @field_validator("jwt_algorithms", "api_cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # KEEL_JWT_ALGORITHMS=RS256,ES256: a list from one environment variable.
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("alert_webhooks", mode="before")
    @classmethod
    def _url_list(cls, value: Any) -> Any:
        # KEEL_ALERT_WEBHOOKS=https://a,https://b
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("eval_schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        # A five-field cron expression (or @daily...), checked here so that a typo is a
        # configuration error at start-up, not a schedule that silently never runs.
        if value is not None:
            from keel.evals import CronSchedule

            try:
                CronSchedule.parse(value)
            except ConfigError as e:
                raise ValueError(e.message) from None
        return value

    @field_validator("telemetry_headers", mode="before")
    @classmethod
    def _header_pairs(cls, value: Any) -> Any:
        # KEEL_TELEMETRY_HEADERS=api-key=…,x-team=ops, as OTEL_EXPORTER_OTLP_HEADERS.
        if not isinstance(value, str):
            return value
        pairs: dict[str, str] = {}
        for item in value.split(","):
            if not item.strip():
                continue
            name, sep, val = item.partition("=")
            if not sep or not name.strip():
                raise ValueError("headers must look like name=value,name2=value2")
            pairs[name.strip()] = val.strip()
        return pairs

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
    "KEEL_API_RATE_LIMIT_PER_S": "api_rate_limit_per_s",
    "KEEL_API_RATE_LIMIT_BURST": "api_rate_limit_burst",
    "KEEL_API_MAX_REQUEST_BYTES": "api_max_request_bytes",
    "KEEL_API_CORS_ORIGINS": "api_cors_origins",
    "KEEL_JWT_JWKS_URL": "jwt_jwks_url",
    "KEEL_JWT_JWKS_FILE": "jwt_jwks_file",
    "KEEL_JWT_ISSUER": "jwt_issuer",
    "KEEL_JWT_AUDIENCE": "jwt_audience",
    "KEEL_JWT_ALGORITHMS": "jwt_algorithms",
    "KEEL_JWT_LEEWAY_S": "jwt_leeway_s",
    "KEEL_JWT_TENANT_CLAIM": "jwt_tenant_claim",
    "KEEL_JWT_ROLES_CLAIM": "jwt_roles_claim",
    "KEEL_TELEMETRY_EXPORTER": "telemetry_exporter",
    "KEEL_TELEMETRY_PROTOCOL": "telemetry_protocol",
    "KEEL_TELEMETRY_ENDPOINT": "telemetry_endpoint",
    "KEEL_TELEMETRY_HEADERS": "telemetry_headers",
    "KEEL_TELEMETRY_SERVICE_NAME": "telemetry_service_name",
    "KEEL_TELEMETRY_CAPTURE_CONTENT": "telemetry_capture_content",
    "KEEL_TELEMETRY_METRICS_INTERVAL_S": "telemetry_metrics_interval_s",
    "KEEL_DRIFT_SIGMA": "drift_sigma",
    "KEEL_DRIFT_WINDOW_S": "drift_window_s",
    "KEEL_DRIFT_MIN_SAMPLES": "drift_min_samples",
    "KEEL_DRIFT_MIN_RUNS": "drift_min_runs",
    "KEEL_DRIFT_ALPHA": "drift_alpha",
    "KEEL_ALERT_WEBHOOKS": "alert_webhooks",
    "KEEL_ALERT_WEBHOOK_SECRET": "alert_webhook_secret",
    "KEEL_EVAL_SCHEDULE": "eval_schedule",
    "KEEL_WEBHOOK_MAX_ATTEMPTS": "webhook_max_attempts",
    "KEEL_WEBHOOK_BACKOFF_S": "webhook_backoff_s",
    "KEEL_WEBHOOK_TIMEOUT_S": "webhook_timeout_s",
    "KEEL_ESCALATION_TOKEN_TTL_S": "escalation_token_ttl_s",
    "KEEL_PII_VAULT_TTL_S": "pii_vault_ttl_s",
    "KEEL_PII_VAULT_KEYRING": "pii_vault_keyring",
    "KEEL_PII_VAULT_KEY_REFRESH_S": "pii_vault_key_refresh_s",
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
