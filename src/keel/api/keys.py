"""API keys: created once, stored hashed, scoped to a tenant and roles.

A key reads ``keel_<prefix>_<secret>``: ``prefix`` (12 hex characters) is public and
unique, the row is found by it; ``secret`` is 32 random bytes (``secrets``), url-safe
base64. Only the SHA-256 of the whole key is stored: for a random 256-bit secret a
fast hash is as strong as a slow one (nothing to brute-force), and it keeps the hot
path to one hash. Hashes are compared in constant time.

Verified keys are cached in memory for ``cache_ttl_s`` (5 s): a request costs one
dict lookup and one hash. A revocation takes effect at once in the process that
revoked, and within ``cache_ttl_s`` in every other process sharing the store.
``last_used_at`` is written at most once a minute per key and process, through the
store's group writer, never waited on.

Creating and revoking a key are audit records (kind ``key.change``) in the key's
tenant, committed before the call returns: a key whose record cannot be stored is
deleted again (fail closed); a revocation stands, and raises to say its record is
missing. No secret ever reaches the audit log, a log line or an error message.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from keel.audit.log import AuditLog
from keel.engine.ids import new_id
from keel.errors import AuditUnavailable, Conflict, NotFound, Unauthenticated, UserError
from keel.governance.policy import Principal
from keel.store import Store
from keel.store.schema import api_keys

Role = Literal["admin", "operator", "approver", "client", "viewer"]
ROLES: tuple[Role, ...] = Role.__args__  # type: ignore[attr-defined]

KEY_PREFIX: Final = "keel_"
PREFIX_CHARS: Final = 12
SECRET_BYTES: Final = 32
# Seconds a verified key (or an unknown prefix) is trusted without reading the store.
CACHE_TTL_S: Final = 5.0
# ``last_used_at`` is written at most this often per key and process.
LAST_USED_EVERY_S: Final = 60.0
_MAX_CACHED: Final = 10_000
# Longer than any key Keel makes; a longer credential is not hashed at all.
_MAX_KEY_CHARS: Final = 200
_HEX = frozenset("0123456789abcdef")
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")

MALFORMED = (
    "malformed API key: expected keel_<prefix>_<secret> exactly as `keel keys create` "
    "printed it (check it was copied whole)"
)
UNKNOWN = "unknown API key: check it was copied whole, or create one with `keel keys create`"


def revoked_message(prefix: str) -> str:
    return f"API key keel_{prefix}_… was revoked; ask an admin for a new one (`keel keys create`)"


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """One API key as stored, without its secret (which is never stored)."""

    id: str
    prefix: str
    tenant: str
    roles: tuple[Role, ...]
    name: str | None
    created_at: float
    created_by: str | None
    revoked_at: float | None
    last_used_at: float | None

    @property
    def hint(self) -> str:
        """How the key starts, to recognise it: ``keel_<prefix>_…``."""
        return f"{KEY_PREFIX}{self.prefix}_…"

    @property
    def principal(self) -> Principal:
        return Principal(f"key:{self.id}", self.roles, self.tenant)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "tenant": self.tenant,
            "roles": list(self.roles),
            "name": self.name,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "revoked_at": self.revoked_at,
            "last_used_at": self.last_used_at,
        }


def check_roles(roles: Iterable[str]) -> tuple[Role, ...]:
    """``roles`` in order, without repeats. Raises ``UserError`` naming the valid ones."""
    out: list[Role] = []
    for role in roles:
        if role not in ROLES:
            raise UserError(
                f"unknown role {role!r}: valid roles are {', '.join(ROLES)}",
                details={"role": role, "valid": list(ROLES)},
            )
        if role not in out:
            out.append(role)
    if not out:
        raise UserError(f"a key needs at least one role: one of {', '.join(ROLES)}")
    return tuple(out)


def check_tenant(tenant: str) -> str:
    """``tenant`` if it is a usable tenant name; raises ``UserError`` otherwise."""
    if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
        raise UserError(
            f"tenant {tenant!r} must be 1-128 characters: letters, digits and . _ : @ -, "
            "starting with a letter or digit"
        )
    return tenant


def parse_prefix(key: str) -> str | None:
    """The public prefix of a well-formed key, ``None`` for anything else."""
    if len(key) > _MAX_KEY_CHARS or not key.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = key[len(KEY_PREFIX) :].partition("_")
    if not sep or len(prefix) != PREFIX_CHARS or not _HEX.issuperset(prefix):
        return None
    if len(secret) < 40:  # 32 bytes are 43 url-safe base64 characters
        return None
    return prefix


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


def _stored_hash(key: str) -> str:
    return "sha256:" + _digest(key).hex()


class _Cached:
    """What one prefix resolved to, until ``expires_at``.

    ``digest`` is ``None`` for a prefix with no key: such prefixes are cached too,
    so guessing keys costs the store nothing (a new key's prefix is random, so it
    can never be cached as unknown before it exists).
    """

    __slots__ = ("digest", "expires_at", "key_id", "principal", "revoked", "used_at")

    def __init__(
        self,
        digest: bytes | None,
        principal: Principal | None,
        key_id: str,
        *,
        revoked: bool,
        expires_at: float,
        used_at: float,
    ) -> None:
        self.digest = digest
        self.principal = principal
        self.key_id = key_id
        self.revoked = revoked
        self.expires_at = expires_at
        self.used_at = used_at


def _record(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row["id"],
        prefix=row["prefix"],
        tenant=row["tenant"],
        roles=tuple(json.loads(row["roles"])),
        name=row["name"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


class ApiKeys:
    """The ``api_keys`` table: create, list, revoke, and authenticate a request's key.

    Thread-safe. ``authenticate`` is the hot path; everything else is administrative
    and commits (with its audit record) before it returns.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        audit: AuditLog | None = None,
        cache_ttl_s: float = CACHE_TTL_S,
    ) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit
        self._ttl = cache_ttl_s
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()
        self._touch = (
            update(api_keys)
            .where(api_keys.c.id == bindparam("k_id"))
            .values(last_used_at=bindparam("last_used_at"))
        )

    # -- the hot path -----------------------------------------------------------------

    def authenticate(self, key: str) -> Principal:
        """The principal a key acts as: ``key:<id>``, its roles and tenant.

        Raises ``Unauthenticated`` for a malformed, unknown or revoked key (the
        message says what to do and never repeats the secret).
        """
        prefix = parse_prefix(key)
        if prefix is None:
            raise Unauthenticated(MALFORMED)
        now = self._clock()
        entry = self._cache.get(prefix)
        if entry is None or entry.expires_at <= now:
            entry = self._load(prefix, now)
        if entry.digest is None or not hmac.compare_digest(entry.digest, _digest(key)):
            raise Unauthenticated(UNKNOWN)
        if entry.revoked or entry.principal is None:
            raise Unauthenticated(revoked_message(prefix))
        if now - entry.used_at >= LAST_USED_EVERY_S:
            entry.used_at = now
            # Best effort: a store shutting down must not fail the request over it.
            with contextlib.suppress(RuntimeError):
                self._store.writer.submit(self._touch, {"k_id": entry.key_id, "last_used_at": now})
        return entry.principal

    def _load(self, prefix: str, now: float) -> _Cached:
        q = select(api_keys).where(api_keys.c.prefix == prefix)
        with self._store.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        expires = now + self._ttl
        if row is None:
            entry = _Cached(None, None, "", revoked=False, expires_at=expires, used_at=now)
        else:
            rec = _record(row)
            algorithm, _, hexdigest = str(row["secret_hash"]).partition(":")
            entry = _Cached(
                bytes.fromhex(hexdigest) if algorithm == "sha256" else None,
                rec.principal,
                rec.id,
                revoked=rec.revoked_at is not None,
                expires_at=expires,
                used_at=rec.last_used_at or 0.0,
            )
        with self._lock:
            if len(self._cache) >= _MAX_CACHED:
                self._evict(now)
            self._cache.pop(prefix, None)
            self._cache[prefix] = entry
        return entry

    def _evict(self, now: float) -> None:
        """Drop expired entries, then the oldest until the cache is 90% full. Holds the lock."""
        for p in [p for p, e in self._cache.items() if e.expires_at <= now]:
            del self._cache[p]
        excess = len(self._cache) - _MAX_CACHED * 9 // 10
        for p in list(self._cache)[: max(excess, 0)]:
            del self._cache[p]

    def forget(self, prefix: str | None = None) -> None:
        """Drop cached verifications (one prefix, or all): the next use reads the store."""
        with self._lock:
            if prefix is None:
                self._cache.clear()
            else:
                self._cache.pop(prefix, None)

    # -- administration ---------------------------------------------------------------

    def create(
        self,
        tenant: str,
        roles: Iterable[str],
        *,
        name: str | None = None,
        actor: str,
    ) -> tuple[ApiKeyRecord, str]:
        """Make a key for ``tenant`` with ``roles``; returns its record and the key.

        The key is returned here only: it cannot be recovered later. Raises
        ``UserError`` for an unknown role, a bad tenant name or a name too long.
        """
        tenant = check_tenant(tenant)
        valid = check_roles(roles)
        if name is not None and (len(name) > 200 or not name.strip()):
            raise UserError("a key's name must be 1-200 characters")
        now = self._clock()
        for _ in range(3):
            prefix = secrets.token_hex(PREFIX_CHARS // 2)
            key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
            rec = ApiKeyRecord(
                id=new_id("key"),
                prefix=prefix,
                tenant=tenant,
                roles=valid,
                name=name,
                created_at=now,
                created_by=actor,
                revoked_at=None,
                last_used_at=None,
            )
            row = rec.to_dict() | {"roles": json.dumps(valid), "secret_hash": _stored_hash(key)}
            try:
                with self._store.engine.begin() as conn:
                    conn.execute(insert(api_keys), row)
            except IntegrityError:
                continue  # a prefix drawn twice (48 random bits): draw again
            break
        else:  # pragma: no cover - three 48-bit collisions in a row
            raise Conflict("could not draw a unique key prefix; try again")
        try:
            self._record(
                "api_key.created", rec, actor=actor, extra={"roles": list(valid), "name": name}
            )
        except AuditUnavailable as e:
            # Fail closed: a key the audit log does not know of must not exist.
            with self._store.engine.begin() as conn:
                conn.execute(delete(api_keys).where(api_keys.c.id == rec.id))
            raise AuditUnavailable(f"the key was not created: {e.message}") from e
        self.forget(prefix)
        return rec, key

    def list(
        self, tenant: str | None = None, *, include_revoked: bool = False
    ) -> builtins.list[ApiKeyRecord]:
        """Keys, oldest first: of one tenant or all, without revoked ones by default."""
        q = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if tenant is not None:
            q = q.where(api_keys.c.tenant == tenant)
        if not include_revoked:
            q = q.where(api_keys.c.revoked_at.is_(None))
        with self._store.engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).mappings()]

    def get(self, id_or_prefix: str) -> ApiKeyRecord:
        """One key by id, public prefix, ``keel_<prefix>…`` or a unique start of its id.

        Raises ``NotFound``, or ``UserError`` when a start of an id matches several.
        """
        ident = id_or_prefix.strip()
        if ident.startswith(KEY_PREFIX):
            ident = ident[len(KEY_PREFIX) :].partition("_")[0]
        exact = select(api_keys).where(or_(api_keys.c.id == ident, api_keys.c.prefix == ident))
        starts = select(api_keys).where(api_keys.c.id.startswith(ident, autoescape=True)).limit(2)
        with self._store.engine.connect() as conn:
            row = conn.execute(exact).mappings().first()
            found = [row] if row is not None else []
            if not found and len(ident) >= 6:
                found = list(conn.execute(starts).mappings())
        if not found:
            raise NotFound(
                f"no API key {id_or_prefix!r}: `keel keys list --all` shows every key's id"
            )
        if len(found) > 1:
            raise UserError(f"{id_or_prefix!r} matches several keys; give more characters")
        return _record(found[0])

    def revoke(self, id_or_prefix: str, *, actor: str) -> ApiKeyRecord:
        """Revoke a key for good; returns its record.

        Raises ``NotFound``, or ``Conflict`` if it was already revoked.
        """
        rec = self.get(id_or_prefix)
        if rec.revoked_at is not None:
            raise Conflict(f"API key {rec.id} is already revoked", details={"id": rec.id})
        now = self._clock()
        q = (
            update(api_keys)
            .where(api_keys.c.id == rec.id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        with self._store.engine.begin() as conn:
            if conn.execute(q).rowcount != 1:
                raise Conflict(f"API key {rec.id} was revoked meanwhile", details={"id": rec.id})
        self.forget(rec.prefix)
        revoked = replace(rec, revoked_at=now)
        try:
            self._record("api_key.revoked", revoked, actor=actor)
        except AuditUnavailable as e:
            # The revocation stands (the safe side); the operator learns the log missed it.
            raise AuditUnavailable(f"API key {rec.id} is revoked, but {e.message}") from e
        return revoked

    def _record(
        self,
        event: str,
        rec: ApiKeyRecord,
        *,
        actor: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        audit = self._audit or AuditLog.of(self._store)
        payload = {"event": event, "key_id": rec.id, "prefix": rec.prefix} | (extra or {})
        # Committed before the caller is told the key exists (or is revoked); raises
        # if it cannot be.
        audit.append_committed_blocking("key.change", payload, actor=actor, tenant=rec.tenant)
