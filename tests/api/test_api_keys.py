"""API keys over a real SQLite store: create, list, revoke, authenticate, audit, cache."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from keel.api import keys as keys_module
from keel.api.auth import WWW_AUTHENTICATE, Authenticator, has_role, require_role
from keel.api.keys import CACHE_TTL_S, ROLES, ApiKeys
from keel.audit import AuditLog, verify_log
from keel.errors import Conflict, Forbidden, KeelError, NotFound, Unauthenticated, UserError
from keel.governance.policy import Principal
from keel.store import Store

KEY = re.compile(r"^keel_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$")


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "keel.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{db}")
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(store: Store, clock: Clock) -> ApiKeys:
    return ApiKeys(store, clock=clock)


def _flush(store: Store) -> None:
    asyncio.run(store.writer.flush())


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_create_returns_the_key_once_and_it_authenticates(keys: ApiKeys) -> None:
    rec, key = keys.create("acme", ["client", "viewer", "client"], name="web shop", actor="t")
    assert KEY.match(key)
    assert key.startswith(f"keel_{rec.prefix}_")
    assert rec.roles == ("client", "viewer")  # repeats dropped, order kept
    assert (rec.tenant, rec.name, rec.created_by, rec.revoked_at) == ("acme", "web shop", "t", None)
    assert rec.id.startswith("key_")
    assert keys.authenticate(key) == Principal(f"key:{rec.id}", ("client", "viewer"), "acme")


def test_two_keys_differ_in_prefix_and_secret(keys: ApiKeys) -> None:
    (a, ka), (b, kb) = (
        keys.create("acme", ["client"], actor="t"),
        keys.create("acme", ["client"], actor="t"),
    )
    assert a.prefix != b.prefix
    assert a.id != b.id
    assert ka.split("_", 2)[2] != kb.split("_", 2)[2]


def test_the_secret_is_never_stored_or_listed(
    keys: ApiKeys, store: Store, db: Path, tmp_path: Path
) -> None:
    rec, key = keys.create("acme", ["admin"], actor="t")
    keys.authenticate(key)
    secret = key.split("_", 2)[2]
    listed = json.dumps([k.to_dict() for k in keys.list(include_revoked=True)])
    assert secret not in listed
    assert key not in listed
    assert "secret" not in listed
    (stored,) = _rows(db, "select secret_hash from api_keys")
    assert isinstance(stored[0], str)
    assert stored[0].startswith("sha256:")
    assert secret not in stored[0]
    keys.revoke(rec.id, actor="t")
    store.close()
    for f in tmp_path.iterdir():  # the database, its WAL, the audit signing key
        assert secret.encode() not in f.read_bytes(), f


def test_tampered_and_malformed_keys_are_refused_without_echoing_them(keys: ApiKeys) -> None:
    _, key = keys.create("acme", ["client"], actor="t")
    last = "A" if key[-1] != "A" else "B"
    for bad in (
        key[:-1] + last,  # one character of the secret changed
        key[:-1],  # truncated
        key.replace("keel_", "keal_"),
        key.upper(),
        "",
        "keel_",
        "keel_zzzzzzzzzzzz_" + key.split("_", 2)[2],  # not hex
        key + "x" * 300,
    ):
        with pytest.raises(Unauthenticated) as e:
            keys.authenticate(bad)
        assert e.value.code == "UNAUTHENTICATED"
        assert key.split("_", 2)[2][:10] not in e.value.message
        assert "keel keys create" in e.value.message


def test_a_key_for_an_unknown_prefix_is_refused(keys: ApiKeys) -> None:
    keys.create("acme", ["client"], actor="t")
    with pytest.raises(Unauthenticated, match="unknown API key"):
        keys.authenticate("keel_0123456789ab_" + "x" * 43)


@pytest.mark.parametrize("roles", [["boss"], ["client", "root"], []])
def test_roles_are_validated(keys: ApiKeys, db: Path, roles: list[str]) -> None:
    with pytest.raises(UserError) as e:
        keys.create("acme", roles, actor="t")
    assert e.value.code == "INPUT_INVALID"
    for role in ROLES:
        assert role in e.value.message
    assert _rows(db, "select count(*) from api_keys") == [(0,)]


@pytest.mark.parametrize("tenant", ["", " acme", "a/b", "x" * 129, "-lead"])
def test_tenant_names_are_validated(keys: ApiKeys, tenant: str) -> None:
    with pytest.raises(UserError, match="tenant"):
        keys.create(tenant, ["client"], actor="t")


def test_revoked_key_is_refused_at_once(keys: ApiKeys) -> None:
    rec, key = keys.create("acme", ["client"], actor="t")
    keys.authenticate(key)  # cached now
    revoked = keys.revoke(rec.id, actor="t")
    assert revoked.revoked_at is not None
    with pytest.raises(Unauthenticated, match="was revoked") as e:
        keys.authenticate(key)
    assert f"keel_{rec.prefix}_…" in e.value.message


def test_revocation_reaches_another_process_within_the_cache_ttl(
    store: Store, db: Path, clock: Clock
) -> None:
    admin = ApiKeys(store, clock=clock)
    rec, key = admin.create("acme", ["client"], actor="t")
    with Store.open(f"sqlite:///{db}") as other_store:
        server = ApiKeys(other_store, clock=clock)  # another process's view
        server.authenticate(key)
        admin.revoke(rec.prefix, actor="t")
        clock.now += CACHE_TTL_S - 0.1
        server.authenticate(key)  # still cached: the documented window
        clock.now += 0.2
        with pytest.raises(Unauthenticated, match="revoked"):
            server.authenticate(key)


def test_a_cached_key_costs_no_database_read(keys: ApiKeys, store: Store, db: Path) -> None:
    _, key = keys.create("acme", ["client"], actor="t")
    keys.authenticate(key)
    # If authenticate read the store, it would now fail on the dropped table.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE api_keys RENAME TO api_keys_gone")
    try:
        assert keys.authenticate(key).tenant == "acme"
    finally:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE api_keys_gone RENAME TO api_keys")


def test_revoke_finds_keys_by_id_prefix_or_key(keys: ApiKeys) -> None:
    a, _ = keys.create("acme", ["client"], actor="t")
    b, _ = keys.create("acme", ["client"], actor="t")
    c, kc = keys.create("acme", ["client"], actor="t")
    assert keys.revoke(a.id, actor="t").id == a.id
    assert keys.revoke(b.prefix, actor="t").id == b.id
    assert keys.revoke(kc, actor="t").id == c.id
    assert keys.list() == []


def test_revoking_twice_or_an_unknown_key_fails_clearly(keys: ApiKeys) -> None:
    rec, _ = keys.create("acme", ["client"], actor="t")
    keys.revoke(rec.id, actor="t")
    with pytest.raises(Conflict, match="already revoked"):
        keys.revoke(rec.id, actor="t")
    with pytest.raises(NotFound, match="keel keys list"):
        keys.revoke("key_nothing_like_it", actor="t")


def test_list_filters_by_tenant_and_hides_revoked(keys: ApiKeys, clock: Clock) -> None:
    a, _ = keys.create("acme", ["client"], actor="t")
    clock.now += 1
    b, _ = keys.create("acme", ["viewer"], actor="t")
    clock.now += 1
    c, _ = keys.create("globex", ["admin"], actor="t")
    keys.revoke(b.id, actor="t")
    assert [k.id for k in keys.list()] == [a.id, c.id]
    assert [k.id for k in keys.list("acme")] == [a.id]
    assert [k.id for k in keys.list("acme", include_revoked=True)] == [a.id, b.id]
    assert keys.list("initech") == []


def test_creation_and_revocation_are_audited(keys: ApiKeys, store: Store, db: Path) -> None:
    rec, key = keys.create("acme", ["operator"], name="ops bot", actor="cli:alice")
    keys.revoke(rec.id, actor="cli:bob")
    got = _rows(
        db,
        "select tenant, kind, actor, payload from audit_log where tenant = 'acme' order by id",
    )
    assert [(t, k, a) for t, k, a, _ in got] == [
        ("acme", "key.change", "cli:alice"),
        ("acme", "key.change", "cli:bob"),
    ]
    created, revoked = (json.loads(str(p)) for *_, p in got)
    assert created == {
        "event": "api_key.created",
        "key_id": rec.id,
        "prefix": rec.prefix,
        "roles": ["operator"],
        "name": "ops bot",
    }
    assert revoked == {"event": "api_key.revoked", "key_id": rec.id, "prefix": rec.prefix}
    assert key.split("_", 2)[2] not in json.dumps(got)
    report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert report.ok, report.problems


def _refuse_key_records(db: Path) -> None:
    """Have the database refuse key.change records, as a full disk would."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "create trigger refuse before insert on audit_log when new.kind = 'key.change' "
            "begin select raise(abort, 'no room for it'); end"
        )


def test_a_key_whose_creation_cannot_be_audited_is_not_created(
    keys: ApiKeys, store: Store, db: Path
) -> None:
    _refuse_key_records(db)
    with pytest.raises(KeelError, match=r"the key was not created: .*no room for it"):
        keys.create("acme", ["operator"], actor="cli:alice")
    assert keys.list("acme", include_revoked=True) == []
    assert _rows(db, "select count(*) from api_keys") == [(0,)]
    # Nothing half-written in the log either: the next record leaves no gap.
    with sqlite3.connect(db) as conn:
        conn.execute("drop trigger refuse")
    keys.create("acme", ["operator"], actor="cli:alice")
    assert _rows(db, "select id from audit_log where tenant = 'acme'") == [(1,)]
    report = verify_log(store.engine, public_key=AuditLog.of(store).public_key())
    assert report.ok, report.problems


def test_a_revocation_that_cannot_be_audited_stands_and_says_so(keys: ApiKeys, db: Path) -> None:
    rec, key = keys.create("acme", ["operator"], actor="cli:alice")
    _refuse_key_records(db)
    with pytest.raises(KeelError, match=f"API key {rec.id} is revoked, but .*no room for it"):
        keys.revoke(rec.id, actor="cli:bob")
    with pytest.raises(Unauthenticated, match="revoked"):
        keys.authenticate(key)


def test_last_use_is_written_at_most_once_a_minute(
    keys: ApiKeys, store: Store, clock: Clock
) -> None:
    _rec, key = keys.create("acme", ["client"], actor="t")
    writes = store.writer.writes
    for _ in range(100):
        keys.authenticate(key)
    _flush(store)
    assert store.writer.writes - writes == 2  # one touch + the flush marker
    (listed,) = keys.list()
    assert listed.last_used_at == clock.now
    clock.now += 30
    keys.authenticate(key)
    _flush(store)
    assert keys.list()[0].last_used_at == clock.now - 30
    clock.now += 31
    keys.authenticate(key)
    _flush(store)
    assert keys.list()[0].last_used_at == clock.now


def test_the_cache_is_bounded(keys: ApiKeys, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys_module, "_MAX_CACHED", 20)
    _, key = keys.create("acme", ["client"], actor="t")
    for i in range(200):
        with pytest.raises(Unauthenticated):
            keys.authenticate(f"keel_{i:012x}_" + "x" * 43)
        assert len(keys._cache) <= 20
    assert keys.authenticate(key).tenant == "acme"


# -- the Authenticator over keys ----------------------------------------------------------


@pytest.fixture
def auth(keys: ApiKeys) -> Authenticator:
    return Authenticator(keys)


def test_both_headers_are_accepted(keys: ApiKeys, auth: Authenticator) -> None:
    rec, key = keys.create("acme", ["client"], actor="t")
    assert auth.authenticate(f"Bearer {key}").id == f"key:{rec.id}"
    assert auth.authenticate(f"bearer   {key} ").id == f"key:{rec.id}"
    assert auth.authenticate(None, key).id == f"key:{rec.id}"
    assert auth.authenticate("", key).id == f"key:{rec.id}"


@pytest.mark.parametrize(
    ("authorization", "x_api_key", "message"),
    [
        (None, None, "authentication required"),
        ("", "", "authentication required"),
        ("Basic dXNlcjpwYXNz", None, "must read 'Bearer"),
        ("Bearer", None, "must read 'Bearer"),
        ("Bearer nonsense", None, "malformed API key"),
        ("Bearer a.b.c", None, "JWT bearer tokens are not enabled"),
        ("Bearer keel_x", "keel_y", "not both"),
    ],
)
def test_bad_credentials_say_what_to_send(
    auth: Authenticator, authorization: str | None, x_api_key: str | None, message: str
) -> None:
    with pytest.raises(Unauthenticated, match=re.escape(message)):
        auth.authenticate(authorization, x_api_key)
    assert WWW_AUTHENTICATE.startswith("Bearer ")


def test_require_role() -> None:
    admin = Principal("key:a", ("admin",), "acme")
    client = Principal("key:c", ("client",), "acme")
    nobody = Principal("jwt:n", (), "acme")
    require_role(admin, "approver")  # admin may do everything
    require_role(client, "client", "operator")
    assert has_role(client, "client")
    assert not has_role(client, "viewer")
    with pytest.raises(Forbidden) as e:
        require_role(client, "approver")
    assert e.value.code == "FORBIDDEN"
    assert e.value.details == {"required": ["approver", "admin"], "held": ["client"]}
    assert "key:c" in e.value.message
    assert "approver" in e.value.message
    with pytest.raises(Forbidden, match="it has none"):
        require_role(nobody, "viewer")
