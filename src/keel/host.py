"""What a Keel process needs at its edge: settings, agents, the store, the engine.

Shared by the CLI and the HTTP API (``keel serve``): a run started over HTTP and one
started from the CLI see the same configuration, the same PII key and the same audit
options. Those two are the only places allowed to read the process environment
(ARCHITECTURE.md); they pass it here as ``environ`` and ``credentials``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from keel.agent import Agent
from keel.audit.log import SIGNING_KEY_FILE, AuditLog, AuditOptions
from keel.config import Settings, load_settings
from keel.engine.local.engine import AgentLoader, LocalEngine
from keel.errors import UserError
from keel.governance.pii import Tokenizer
from keel.models.pricing import PriceTable
from keel.spec.loader import load_spec
from keel.store import RunRecord, Store
from keel.store.vault import StoreVault, purge_expired
from keel.store.vault_keyring import VaultKeyring
from keel.telemetry import TelemetryConfig

if TYPE_CHECKING:
    from keel.hitl import Oversight
    from keel.telemetry import Telemetry


def settings(environ: Mapping[str, str], config_file: Path | None = None) -> Settings:
    """The settings of ``environ`` (``KEEL_*``) over the config file."""
    return load_settings(environ, config_file=config_file)


def prices(s: Settings) -> PriceTable:
    table = PriceTable.default()
    if s.prices:
        table = table.with_overrides({model: (p.input, p.output) for model, p in s.prices.items()})
    return table


def load_agent(path: str | Path, s: Settings, *, credentials: Mapping[str, str]) -> Agent:
    """Load and bind a spec, its providers' keys read from ``credentials`` (the
    process environment, at the edge); raises ``SpecError`` with located problems."""
    return Agent.from_spec(
        load_spec(path),
        credentials=dict(credentials),
        prices=prices(s),
        pii_hash_key=pii_key(s),
        pii_tokenizer=pii_tokenizer(s),
    )


def pii_key(s: Settings) -> bytes:
    """The key of PII pseudonyms, kept in the data dir (0600) so they stay stable."""
    return _key_file(s.data_dir / "pii.key")


VAULT_KEY_FILE = "vault.key"
VAULT_KEYRING_FILE = "vault.keys"

# One vault per store and data dir in a process: agents are loaded before the store
# opens (``keel serve``), so the vault is made here and attached by ``open_store``.
_VAULTS: dict[tuple[str, Path], StoreVault] = {}


def pii_vault_keyring(s: Settings) -> VaultKeyring:
    """The vault's keys: ``vault.key`` (key 1, data dir) and the keyring that rotation
    writes (``pii_vault_keyring``, default ``vault.keys`` in the data dir)."""
    path = s.pii_vault_keyring or s.data_dir / VAULT_KEYRING_FILE
    return VaultKeyring(path, key_file=s.data_dir / VAULT_KEY_FILE)


def pii_vault(s: Settings) -> StoreVault:
    """The store's PII token vault: values AES-256-GCM encrypted under the current key of
    :func:`pii_vault_keyring` (``vault.key`` until a rotation), kept ``pii_vault_ttl_s``;
    in memory until ``open_store``. Raises ``ConfigError`` for a broken keyring."""
    where = (s.store_url, s.data_dir.resolve())
    vault = _VAULTS.get(where)
    if vault is None or vault.ttl_s != s.pii_vault_ttl_s:
        keyring = pii_vault_keyring(s)
        vault = _VAULTS[where] = StoreVault(
            keyring.load(),
            ttl_s=s.pii_vault_ttl_s,
            keyring=keyring,
            refresh_s=s.pii_vault_key_refresh_s,
        )
    return vault


def pii_tokenizer(s: Settings) -> Tokenizer:
    """Tokens over :func:`pii_vault`, named with the keyring's token key (derived from
    ``vault.key``, kept across rotations) so the same value gets the same token in every
    process (a resumed run replays the same masked text)."""
    return Tokenizer(pii_vault(s), key=pii_vault_keyring(s).load().token_key)


def purge_pii_vault(store: Store, s: Settings) -> int:
    """Delete the vault's values older than ``pii_vault_ttl_s`` (``keel purge``)."""
    return purge_expired(store, ttl_s=s.pii_vault_ttl_s)


def _key_file(path: Path) -> bytes:
    """32 random bytes kept in ``path`` (created 0600 on first use)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key


def agent_for_run(s: Settings, *, credentials: Mapping[str, str]) -> AgentLoader:
    """A loader for ``LocalEngine.resume``: re-reads the spec a run recorded."""

    def load(rec: RunRecord) -> Agent:
        if not rec.spec_path:
            raise UserError(f"run {rec.id} has no spec path recorded")
        return load_agent(rec.spec_path, s, credentials=credentials)

    return load


def open_store(s: Settings, *, audit: bool = True) -> Store:
    """The store, with its audit log open under the settings' checkpoint options
    (``audit=False`` leaves that to the caller, e.g. ``keel audit`` with overrides)."""
    store = Store.open(s.store_url)
    pii_vault(s).attach(store)
    if audit:
        AuditLog.of(store, audit_options(s, store))
    oversight(store, s)
    return store


def oversight(store: Store, s: Settings) -> Oversight:
    """Escalations and webhooks of ``store`` as configured: the continuity-token key in
    the data dir (``hitl.key``, 0600) and the webhook endpoints."""
    from keel.hitl import KEY_FILE, ContinuityTokens, Oversight, WebhookEndpoint, WebhookOptions

    over = Oversight.of(store).configure(
        tokens=ContinuityTokens.from_key_file(s.data_dir / KEY_FILE),
        token_ttl_s=s.escalation_token_ttl_s,
    )
    over.webhooks.configure(
        [
            WebhookEndpoint(
                name=w.name or w.url,
                url=w.url,
                events=tuple(w.events),
                secret=None if w.secret is None else w.secret.get_secret_value(),
                template=w.template,
            )
            for w in s.webhooks
        ],
        WebhookOptions(
            max_attempts=s.webhook_max_attempts,
            backoff_s=s.webhook_backoff_s,
            timeout_s=s.webhook_timeout_s,
        ),
    )
    return over


def audit_options(s: Settings, store: Store) -> AuditOptions:
    """Checkpointing as configured; the signing key in the data dir by default."""
    options = AuditOptions.for_store(
        store,
        checkpoint_every=s.audit_checkpoint_every,
        checkpoint_interval_s=s.audit_checkpoint_interval_s,
        checkpoint_file=s.audit_checkpoint_file,
        checkpoint_webhook=s.audit_checkpoint_webhook,
    )
    if options.signing_key_path is None:
        options = replace(options, signing_key_path=s.data_dir / SIGNING_KEY_FILE)
    return options


def engine(store: Store, s: Settings, *, telemetry: Telemetry | None = None) -> LocalEngine:
    """The local engine over ``store`` with every limit ``s`` sets.

    ``run`` and ``runs resume`` both build it here: a resumed run must see the same
    session history (``session_turns``) as it would have had it not crashed.
    Telemetry: ``telemetry`` when given (``keel serve`` passes one that also keeps
    metrics for ``/metrics``), else what ``s`` configures (none by default), flushed
    and shut down when the store closes.
    """
    if telemetry is None:
        telemetry = TelemetryConfig.from_settings(s).start()
        if telemetry is not None:
            store.on_close(telemetry.shutdown)
    return LocalEngine(
        store,
        max_concurrency=s.max_concurrency,
        max_concurrency_per_agent=s.max_concurrency_per_agent,
        max_queue=s.max_queue,
        session_turns=s.session_turns,
        telemetry=telemetry,
    )
