"""``keel audit …``: verify the audit log, prove records, export and forward them.

Exit codes as for every ``keel`` command: 0 ok, 1 the check (or delivery) failed,
2 bad input. ``verify`` prints one line per problem, naming the record.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from keel import __version__
from keel.audit import (
    AuditLog,
    AuditPublicKey,
    Checkpoint,
    ExportFormat,
    Forwarder,
    ProofError,
    consistency_proof,
    inclusion_proof,
    purge_before,
    reader,
    sink_for,
    verify_log,
    verify_proof,
)
from keel.audit.export import formatter
from keel.audit.record import AuditRecord, tenant_key
from keel.cli import context
from keel.config import Settings
from keel.errors import KeelError, UserError

audit_app = typer.Typer(
    help="The tamper-evident audit log: verify, prove, export, forward.",
    no_args_is_help=True,
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="keel.toml to use (default: ./keel.toml)")
]
TenantOpt = Annotated[
    str | None, typer.Option("--tenant", help="only this tenant (default: all, or 'default')")
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code)


@contextmanager
def _audit(config: Path | None, **overrides: Any) -> Iterator[tuple[AuditLog, Settings]]:
    """The store's audit log with the signing key in the data dir; closed afterwards."""
    try:
        s = context.settings(config)
        store = context.open_store(s, audit=False)
    except KeelError as e:
        raise _fail(f"{e.code}: {e.message}") from None
    try:
        options = context.audit_options(s, store)
        yield AuditLog.of(store, replace(options, **overrides)), s
    except KeelError as e:
        raise _fail(f"{e.code}: {e.message}", 2 if isinstance(e, UserError) else 1) from None
    finally:
        store.close()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def parse_time(text: str, *, now: float | None = None) -> float:
    """ISO 8601 (UTC if no offset), UNIX seconds, or an age like ``30d`` / ``12h``."""
    value = text.strip()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    if value[-1:] in units and value[:-1].replace(".", "", 1).isdigit():
        return (time.time() if now is None else now) - float(value[:-1]) * units[value[-1]]
    with contextlib.suppress(ValueError):
        return float(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"time {text!r} must be ISO 8601, UNIX seconds or an age like 30d"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _read_checkpoints(path: Path) -> list[Checkpoint]:
    """Checkpoints saved outside: a JSON-lines file or one JSON object."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror}") from None
    items: list[Any] = []
    # RecursionError: JSON nested deeper than the parser goes (a hostile file).
    try:
        doc = json.loads(text)
        items = doc if isinstance(doc, list) else [doc]
    except (ValueError, RecursionError):
        try:
            # Lines end at "\n" only: str.splitlines would also split inside a JSON
            # string at the line and paragraph separators (U+2028, U+2029), which
            # canonical JSON writes as themselves (a tenant's name may hold one).
            items = [json.loads(line) for line in text.split("\n") if line.strip()]
        except (ValueError, RecursionError) as e:
            raise ProofError(f"{path} is neither JSON nor JSON lines: {e}") from None
    if not items:
        raise ProofError(f"{path} holds no checkpoint")
    return [Checkpoint.from_dict(item) for item in items]


def _public_key(audit: AuditLog, path: Path | None) -> AuditPublicKey | None:
    return AuditPublicKey.from_file(path) if path is not None else audit.public_key()


@audit_app.command()
def verify(
    from_checkpoint: Annotated[
        Path | None,
        typer.Option("--from-checkpoint", help="checkpoints saved outside (JSON or JSON lines)"),
    ] = None,
    tenant: TenantOpt = None,
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", help="trusted public key (default: the data dir's key)"),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Recompute every hash, the chain and every checkpoint; name each problem."""
    with _audit(config) as (audit, _):
        external = [] if from_checkpoint is None else _read_checkpoints(from_checkpoint)
        if tenant is not None:
            external = [cp for cp in external if cp.tenant == tenant]
        report = verify_log(
            audit.store.engine,
            tenant=tenant,
            public_key=_public_key(audit, public_key),
            external=external,
        )
    for problem in report.problems:
        out.print(str(problem), markup=False)
    rate = report.records / report.seconds if report.seconds > 0 else 0.0
    checkpoints = sum(t.checkpoints for t in report.tenants)
    summary = (
        f"{len(report.tenants)} tenant(s), {report.records} records, {checkpoints} checkpoints "
        f"in {report.seconds:.2f}s ({rate:,.0f} records/s)"
    )
    if not report.ok:
        out.print(f"FAILED: {len(report.problems)} problem(s); {summary}", markup=False)
        raise typer.Exit(1)
    out.print(f"ok: {summary}", markup=False)


@audit_app.command()
def proof(
    record_id: Annotated[int, typer.Argument(help="the record's id within its tenant", min=1)],
    tenant: TenantOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    config: ConfigOpt = None,
) -> None:
    """Print an inclusion proof of one record against the latest checkpoint (JSON)."""
    with _audit(config) as (audit, _):
        doc = inclusion_proof(audit.store.engine, tenant_key(tenant), record_id)
    _emit(json.dumps(doc, indent=2), output)


@audit_app.command()
def consistency(
    from_checkpoint: Annotated[
        Path, typer.Option("--from-checkpoint", help="an earlier checkpoint saved outside")
    ],
    tenant: TenantOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    config: ConfigOpt = None,
) -> None:
    """Print a consistency proof from a saved checkpoint to the latest one (JSON)."""
    with _audit(config) as (audit, _):
        key = tenant_key(tenant)
        saved = [cp for cp in _read_checkpoints(from_checkpoint) if cp.tenant == key]
        if not saved:
            raise ProofError(f"{from_checkpoint} has no checkpoint of tenant {key!r}")
        stored = reader.stored_checkpoints(audit.store.engine, key)
        if not stored:
            raise ProofError(f"tenant {key!r} has no checkpoint yet")
        doc = consistency_proof(audit.store.engine, saved[-1], stored[-1].checkpoint)
    _emit(json.dumps(doc, indent=2), output)


@audit_app.command("verify-proof")
def verify_proof_cmd(
    file: Annotated[Path, typer.Argument(help="a proof from keel audit proof / consistency")],
    public_key: Annotated[Path, typer.Option("--public-key", help="the log's public key")],
) -> None:
    """Check a proof offline, with nothing but the proof and the public key."""
    try:
        key = AuditPublicKey.from_file(public_key)
        doc = json.loads(file.read_text(encoding="utf-8"))
        message = verify_proof(doc, key)
    except (OSError, ValueError, RecursionError) as e:
        raise _fail(f"cannot read the proof: {e}") from None
    except KeelError as e:
        raise _fail(f"proof rejected: {e.message}", 1) from None
    out.print(message, markup=False)


@audit_app.command("public-key")
def public_key_cmd(
    as_base64: Annotated[bool, typer.Option("--base64", help="raw key in base64")] = False,
    config: ConfigOpt = None,
) -> None:
    """Print the public key that checks checkpoint signatures (PEM)."""
    with _audit(config) as (audit, _):
        signer = audit.signer()
        if signer is None:
            raise UserError("no audit signing key is configured")
        key = signer.public_key
    sys.stdout.write((key.base64() + "\n") if as_base64 else key.pem())


@audit_app.command()
def checkpoint(
    tenant: TenantOpt = None,
    to_file: Annotated[
        Path | None, typer.Option("--to-file", help="also append it to this JSON-lines file")
    ] = None,
    webhook: Annotated[str | None, typer.Option("--webhook", help="also POST it here")] = None,
    config: ConfigOpt = None,
) -> None:
    """Sign a checkpoint now (every tenant, or one) and publish it."""
    with _audit(config, checkpoint_file=to_file, checkpoint_webhook=webhook) as (audit, _):
        signed = audit.checkpoint(tenant, all_tenants=tenant is None)
    for cp in signed:
        out.print(f"{cp.tenant}: {cp.tree_size} records, root {cp.root}, {cp.key_id}")
    if not signed:
        out.print("no records to checkpoint")


@audit_app.command()
def purge(
    before: Annotated[str, typer.Option("--before", help="ISO time, UNIX seconds or age (90d)")],
    tenant: TenantOpt = None,
    ignore_forwarder: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore-forwarder",
            metavar="NAME",
            help="a retired forwarder whose undelivered records may be purged (repeatable)",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Delete records older than a time, recording (and checkpointing) the purge.

    Refuses (exit 1, CONFLICT) while a forwarder has not delivered them.
    """
    with _audit(config) as (audit, _):
        result = purge_before(
            audit,
            parse_time(before),
            actor=_actor(),
            tenant=tenant,
            ignore_forwarders=ignore_forwarder or (),
        )
    if result is None:
        out.print("nothing to purge")
        return
    out.print(
        f"purged records {result.first_id}..{result.last_id} of {result.tenant} "
        f"({result.deleted}); recorded as audit.purge record {result.record.id}"
    )
    for name, last in result.record.payload.get("forwarders_behind", {}).items():
        out.print(f"forwarder {name!r} had delivered through record {last} only")


@audit_app.command()
def grants(
    role: Annotated[str, typer.Option("--role", help="the application's Postgres login role")],
) -> None:
    """Print the SQL that makes the audit tables append-only for an application role.

    For a Postgres store: the owner of the tables runs it after the migrations (and
    again after each upgrade). The role may then read and write every table, but only
    SELECT and INSERT audit records; migrations and purges stay with the owner.
    """
    from keel.store.schema import postgres_app_grants

    try:
        statements = postgres_app_grants(role)
    except KeelError as e:
        raise _fail(f"{e.code}: {e.message}") from None
    sys.stdout.write("".join(f"{s};\n" for s in statements))


@audit_app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or cef")] = "jsonl",
    since: Annotated[str | None, typer.Option("--since", help="ISO time, UNIX s or age")] = None,
    tenant: TenantOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    config: ConfigOpt = None,
) -> None:
    """Write records as JSON lines or CEF lines (for a SIEM)."""
    if fmt not in ("jsonl", "cef"):
        raise _fail(f"--format must be jsonl or cef, not {fmt!r}")
    line = formatter(fmt, version=__version__)  # type: ignore[arg-type]
    with _audit(config) as (audit, _):
        start = None if since is None else parse_time(since)
        engine = audit.store.engine
        names = reader.tenants(engine) if tenant is None else [tenant]
        sink = output.open("w", encoding="utf-8") if output is not None else sys.stdout
        try:
            for name in names:
                for row in reader.iter_rows(engine, name, since_time=start):
                    try:
                        text = line(AuditRecord.from_row(row))
                    except reader.UNREADABLE:
                        raise _fail(reader.unreadable(name, row[1]), 1) from None
                    sink.write(text + "\n")
        finally:
            if output is not None:
                sink.close()


@audit_app.command()
def forward(
    sink: Annotated[str, typer.Option("--sink", help="file:PATH, a path, or an http(s) URL")],
    once: Annotated[bool, typer.Option("--once", help="deliver what is new, then exit")] = False,
    name: Annotated[str, typer.Option("--name", help="cursor name")] = "default",
    fmt: Annotated[str, typer.Option("--format", help="jsonl or cef (file sinks)")] = "jsonl",
    interval: Annotated[float, typer.Option("--interval", min=0.05)] = 1.0,
    config: ConfigOpt = None,
) -> None:
    """Stream new records to a sink, at least once, resuming from a stored cursor."""
    if fmt not in ("jsonl", "cef"):
        raise _fail(f"--format must be jsonl or cef, not {fmt!r}")
    try:
        target = sink_for(sink)
    except KeelError as e:
        raise _fail(f"{e.code}: {e.message}") from None
    fmt_: ExportFormat = "cef" if fmt == "cef" else "jsonl"
    try:
        with _audit(config) as (audit, _):
            forwarder = Forwarder(
                audit.store.engine, target, name=name, format=fmt_, version=__version__
            )
            if once:
                result = forwarder.run_once()
                out.print(f"delivered {result.delivered} record(s) to {target.name}")
                if result.failed is not None:
                    raise _fail(f"delivery failed: {result.failed}", 1)
                return
            stop = threading.Event()
            try:
                forwarder.run(stop, interval_s=interval)
            except KeyboardInterrupt:
                stop.set()
    finally:
        target.close()


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
