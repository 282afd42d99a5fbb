"""Keel's tamper-evident audit log: hash chains, signed Merkle checkpoints, proofs, export.

``AuditLog.of(store)`` appends records (the local engine records every run's start,
model and tool calls and finish); ``verify_log`` checks hashes, chain and
checkpoints; ``inclusion_proof`` / ``consistency_proof`` build proofs that
``verify_proof`` checks offline; ``purge_before`` retires old records as an audited
event; ``Forwarder`` streams records to a SIEM. See docs/audit.md.
"""

from keel.audit.checkpoint import Checkpoint
from keel.audit.export import ExportFormat, to_cef, to_jsonl
from keel.audit.forward import Forwarder, ForwardResult
from keel.audit.log import AuditLog, AuditOptions
from keel.audit.merkle import ProofError
from keel.audit.proof import consistency_proof, inclusion_proof, verify_proof
from keel.audit.purge import PurgeResult, purge_before
from keel.audit.record import AUDIT_KINDS, GENESIS_HASH, AuditEvent, AuditKind, AuditRecord
from keel.audit.redact import redact
from keel.audit.signing import AuditPublicKey, AuditSigner
from keel.audit.sinks import DeliveryError, FileSink, WebhookSink, sink_for
from keel.audit.verify import Problem, VerifyReport, verify_log

__all__ = [
    "AUDIT_KINDS",
    "GENESIS_HASH",
    "AuditEvent",
    "AuditKind",
    "AuditLog",
    "AuditOptions",
    "AuditPublicKey",
    "AuditRecord",
    "AuditSigner",
    "Checkpoint",
    "DeliveryError",
    "ExportFormat",
    "FileSink",
    "ForwardResult",
    "Forwarder",
    "Problem",
    "ProofError",
    "PurgeResult",
    "VerifyReport",
    "WebhookSink",
    "consistency_proof",
    "inclusion_proof",
    "purge_before",
    "redact",
    "sink_for",
    "to_cef",
    "to_jsonl",
    "verify_log",
    "verify_proof",
]
