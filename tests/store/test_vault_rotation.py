"""PII vault key rotation: numbered keys, re-encryption in batches, retirement, the
keyring file and the ``keel pii`` commands, on real SQLite files and key files."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, event
from typer.testing import CliRunner

import keel.host
from keel.cli.app import app
from keel.config import Settings
from keel.errors import ConfigError, Conflict, NotFound
from keel.governance.pii import Finding, vault_scope
from keel.store import Store
from keel.store.database import _alembic_config
from keel.store.vault import StoreVault
from keel.store.vault_keyring import VaultKeyring, VaultKeys, token_key
from keel.store.vault_rotation import Reencryption, key_usage, reencrypt, retire_key

CARDS = [f"4111 1111 1111 {i:04d}" for i in range(7)]
REFRESH_S = 0.05


@pytest.fixture(autouse=True)
def _fresh_process_vaults() -> Iterator[None]:
    # keel.host keeps one vault per store in a process; each test starts as a new one.
    keel.host._VAULTS.clear()
    yield
    keel.host._VAULTS.clear()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", pii_vault_key_refresh_s=REFRESH_S)


def _restart() -> None:
    """What a new process sees: no vault in memory, only the store and the key files."""
    keel.host._VAULTS.clear()


async def _issue(settings: Settings, values: list[str], tenant: str = "acme") -> list[str]:
    tokenizer = keel.host.pii_tokenizer(settings)
    with keel.host.open_store(settings, audit=False) as store, vault_scope(tenant):
        tokens = [tokenizer.tokenize(Finding(0, len(v), "card", v)) for v in values]
        await store.writer.flush()
    return tokens


def _reveal(settings: Settings, tokens: list[str], tenant: str = "acme") -> list[str | None]:
    """Each token's value as a fresh process reveals it (cache empty: reads the table)."""
    _restart()
    vault = keel.host.pii_vault(settings)
    with keel.host.open_store(settings, audit=False):
        return [vault.get(t[1:-1], scope=tenant) for t in tokens]


def _key_ids(store_path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(store_path)) as conn:
        return dict(conn.execute("SELECT handle, key_id FROM pii_vault").fetchall())


def _db(settings: Settings) -> Path:
    return settings.data_dir / "keel.db"


def _wait_out_refresh() -> None:
    time.sleep(2 * REFRESH_S + 0.01)


def _keyring(settings: Settings) -> VaultKeyring:
    return keel.host.pii_vault_keyring(settings)


# -- rotation and reading ------------------------------------------------------------


async def test_tokens_of_key_1_restore_after_rotation_reencryption_and_retirement(
    settings: Settings,
) -> None:
    tokens = await _issue(settings, CARDS)
    assert set(_key_ids(_db(settings)).values()) == {1}

    rotated, previous = _keyring(settings).rotate()
    assert (rotated.current, previous) == (2, 1)
    assert _reveal(settings, tokens) == CARDS  # before re-encryption: key 1 still opens

    # A new value is sealed under key 2 and gets the token it always had.
    newer = await _issue(settings, ["5555 5555 5555 4444", CARDS[0]])
    assert newer[1] == tokens[0]
    ids = _key_ids(_db(settings))
    assert ids[newer[0][1:-1]] == 2

    with Store.open(f"sqlite:///{_db(settings)}") as store:
        report = reencrypt(store, _keyring(settings).load(), ttl_s=settings.pii_vault_ttl_s)
    assert report.complete
    assert report.key_id == 2
    # CARDS[0] was rewritten under key 2 by the issue above: 6 left under key 1.
    assert (report.reencrypted, report.from_keys) == (6, {1: 6})
    assert set(_key_ids(_db(settings)).values()) == {2}
    assert _reveal(settings, tokens) == CARDS  # after re-encryption

    _wait_out_refresh()
    with Store.open(f"sqlite:///{_db(settings)}") as store:
        retire_key(
            store, _keyring(settings), 1, ttl_s=settings.pii_vault_ttl_s, refresh_s=REFRESH_S
        )
    assert not (settings.data_dir / keel.host.VAULT_KEY_FILE).exists()  # key 1 is gone
    assert _reveal(settings, tokens) == CARDS  # after retirement, from the keyring alone
    assert await _issue(settings, CARDS[:1]) == tokens[:1]  # names stable without vault.key


async def test_an_install_that_never_rotates_has_no_keyring(settings: Settings) -> None:
    tokens = await _issue(settings, CARDS[:2])
    assert not (settings.data_dir / keel.host.VAULT_KEYRING_FILE).exists()
    key = (settings.data_dir / keel.host.VAULT_KEY_FILE).read_bytes()
    # The token key is what keel.host always derived from vault.key.
    assert _keyring(settings).load().token_key == token_key(key)
    assert _reveal(settings, tokens) == CARDS[:2]


async def test_a_running_vault_follows_a_rotation_made_by_another_process(
    settings: Settings,
) -> None:
    running = keel.host.pii_vault(settings)  # e.g. `keel serve`, started before the rotation
    tokenizer = keel.host.pii_tokenizer(settings)
    with keel.host.open_store(settings, audit=False) as store:
        with vault_scope("acme"):
            first = tokenizer.tokenize(Finding(0, 19, "card", CARDS[0]))
        await store.writer.flush()
        assert running.current_key_id == 1

        _keyring(settings).rotate()  # `keel pii rotate-key` in another process
        # Another process re-encrypts; this one still holds key 1 only...
        other = StoreVault(_keyring(settings).load())
        with Store.open(f"sqlite:///{_db(settings)}") as admin:
            assert reencrypt(admin, _keyring(settings).load(), ttl_s=3600.0).reencrypted == 1
        running._cache.clear()  # (a value not in its cache any more)
        # ...and reads the row now under key 2 at once: no window where it is unrevealed.
        assert running.get(first[1:-1], scope="acme") == CARDS[0]
        assert running.current_key_id == 2

        await asyncio.sleep(REFRESH_S)
        with vault_scope("acme"):
            second = tokenizer.tokenize(Finding(0, 19, "card", CARDS[1]))
        await store.writer.flush()
    assert _key_ids(_db(settings))[second[1:-1]] == 2
    assert other.current_key_id == 2


async def test_a_running_vault_seals_under_a_new_key_within_the_refresh_interval(
    settings: Settings,
) -> None:
    now = [1_000.0]
    keyring = _keyring(settings)
    running = StoreVault(keyring.load(), keyring=keyring, refresh_s=10.0, clock=lambda: now[0])
    with Store.open(f"sqlite:///{_db(settings)}") as store:
        running.attach(store)
        running.put("card:tok_000000000000000a", CARDS[0], scope="acme")
        keyring.rotate()
        now[0] += 9.0
        running.put("card:tok_000000000000000b", CARDS[1], scope="acme")  # not re-read yet
        now[0] += 1.0
        running.put("card:tok_000000000000000c", CARDS[2], scope="acme")
        await store.writer.flush()
    ids = _key_ids(_db(settings))
    assert [ids[f"card:tok_00000000000000{c}"] for c in ["0a", "0b", "0c"]] == [1, 1, 2]


async def test_rows_from_before_migration_0011_belong_to_key_1(tmp_path: Path) -> None:
    db = tmp_path / "keel.db"
    engine = create_engine(f"sqlite:///{db}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
    engine.dispose()
    key = os.urandom(32)
    old = StoreVault(key)  # seal the way 0010-era code did: no key id
    _, sealed = old._seal(("acme", "card:tok_0123456789abcdef"), CARDS[0])
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "INSERT INTO pii_vault (tenant, handle, sealed, created_at) VALUES (?, ?, ?, ?)",
            ("acme", "card:tok_0123456789abcdef", sealed, time.time()),
        )
    with Store.open(f"sqlite:///{db}") as store:  # migrates to 0011
        assert key_usage(store, ttl_s=3600.0)[1].live == 1
        vault = StoreVault(key)
        vault.attach(store)
        assert vault.get("card:tok_0123456789abcdef", scope="acme") == CARDS[0]


# -- re-encryption -------------------------------------------------------------------


async def test_reencryption_is_complete_and_idempotent(settings: Settings) -> None:
    tokens = await _issue(settings, CARDS) + await _issue(settings, CARDS[:3], "globex")
    _keyring(settings).rotate()
    keys = _keyring(settings).load()
    with Store.open(f"sqlite:///{_db(settings)}") as store:
        first = reencrypt(store, keys, ttl_s=3600.0, batch_size=4)
        with store.engine.connect() as conn:
            sealed = conn.exec_driver_sql("SELECT handle, sealed FROM pii_vault").all()
        again = reencrypt(store, keys, ttl_s=3600.0, batch_size=4)
        with store.engine.connect() as conn:
            still = conn.exec_driver_sql("SELECT handle, sealed FROM pii_vault").all()
    assert (first.reencrypted, first.batches, first.complete) == (10, 3, True)
    assert (again.reencrypted, again.batches, again.complete) == (0, 0, True)
    assert sorted(still) == sorted(sealed)  # the second run touched nothing
    assert _reveal(settings, tokens[:7]) == CARDS
    assert _reveal(settings, tokens[7:], "globex") == CARDS[:3]


async def test_an_interrupted_reencryption_resumes(settings: Settings) -> None:
    tokens = await _issue(settings, CARDS)
    _keyring(settings).rotate()
    keys = _keyring(settings).load()

    def crash_after_one_batch(r: Reencryption) -> None:
        raise KeyboardInterrupt  # e.g. the operator's Ctrl-C, or a kill

    with Store.open(f"sqlite:///{_db(settings)}") as store, pytest.raises(KeyboardInterrupt):
        reencrypt(store, keys, ttl_s=3600.0, batch_size=3, on_batch=crash_after_one_batch)
    # The first batch committed whole; the rest is untouched; every token still opens.
    assert sorted(_key_ids(_db(settings)).values()) == [1, 1, 1, 1, 2, 2, 2]
    assert _reveal(settings, tokens) == CARDS

    with Store.open(f"sqlite:///{_db(settings)}") as store:
        rest = reencrypt(store, keys, ttl_s=3600.0, batch_size=3)
    assert (rest.reencrypted, rest.complete) == (4, True)
    assert set(_key_ids(_db(settings)).values()) == {2}
    assert _reveal(settings, tokens) == CARDS


async def test_a_value_rewritten_meanwhile_is_not_overwritten(settings: Settings) -> None:
    tokens = await _issue(settings, CARDS[:4])
    _keyring(settings).rotate()
    keys = _keyring(settings).load()
    raced = tokens[2][1:-1]
    newer = StoreVault(keys)  # a running process, already on key 2
    _, rewritten = newer._seal(("acme", raced), "rewritten")

    def rewrite_after_the_batch_is_read(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().startswith("SELECT pii_vault.tenant") and not done:
            done.append(True)
            with closing(sqlite3.connect(_db(settings))) as other, other:
                other.execute(
                    "UPDATE pii_vault SET sealed = ?, key_id = 2 WHERE handle = ?",
                    (rewritten, raced),
                )

    done: list[bool] = []
    with Store.open(f"sqlite:///{_db(settings)}") as store:
        event.listen(store.engine, "after_cursor_execute", rewrite_after_the_batch_is_read)
        report = reencrypt(store, keys, ttl_s=3600.0)
    assert done
    assert (report.reencrypted, report.changed_meanwhile, report.complete) == (3, 1, True)
    assert report.from_keys == {1: 3}
    assert _reveal(settings, tokens) == [CARDS[0], CARDS[1], "rewritten", CARDS[3]]


async def test_a_tampered_row_is_left_alone_and_reported(settings: Settings) -> None:
    tokens = await _issue(settings, CARDS[:3])
    with closing(sqlite3.connect(_db(settings))) as conn, conn:
        conn.execute(
            "UPDATE pii_vault SET sealed = zeroblob(40) WHERE handle = ?", (tokens[1][1:-1],)
        )
    _keyring(settings).rotate()
    with Store.open(f"sqlite:///{_db(settings)}") as store:
        report = reencrypt(store, _keyring(settings).load(), ttl_s=3600.0)
    assert (report.reencrypted, report.unreadable, report.remaining) == (2, 1, 1)
    assert not report.complete
    assert _reveal(settings, tokens) == [CARDS[0], None, CARDS[2]]


async def test_entries_under_a_key_the_keyring_lacks_stop_reencryption_before_any_write(
    settings: Settings,
) -> None:
    await _issue(settings, CARDS[:3])
    with closing(sqlite3.connect(_db(settings))) as conn, conn:
        before = conn.execute("SELECT handle, sealed, key_id FROM pii_vault").fetchall()
        conn.execute("UPDATE pii_vault SET key_id = 7 WHERE rowid = 1")
    _keyring(settings).rotate()
    keys = _keyring(settings).load()
    with (
        Store.open(f"sqlite:///{_db(settings)}") as store,
        pytest.raises(ConfigError, match=r"key 7 \(1 entries\)") as raised,
    ):
        reencrypt(store, keys, ttl_s=3600.0)
    assert raised.value.details["reason"] == "vault_key_missing"
    assert sorted(_key_ids(_db(settings)).values()) == [1, 1, 7]  # nothing re-encrypted
    assert len(before) == 3


async def test_a_row_under_an_unknown_key_stays_a_token_at_run_time(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = await _issue(settings, CARDS[:1])
    with closing(sqlite3.connect(_db(settings))) as conn, conn:
        conn.execute("UPDATE pii_vault SET key_id = 9")
    caplog.set_level(logging.DEBUG)
    _restart()
    tokenizer = keel.host.pii_tokenizer(settings)
    with keel.host.open_store(settings, audit=False), vault_scope("acme"):
        args = tokenizer.detokenize_json({"card": tokens[0]}, {"card"})
    assert args == {"card": tokens[0]}  # fail closed: the tool gets the token
    assert "sealed under key 9, which this process does not hold" in caplog.text
    assert CARDS[0] not in caplog.text


# -- retirement ----------------------------------------------------------------------


async def test_retiring_a_key_in_use_is_refused_and_changes_nothing(settings: Settings) -> None:
    await _issue(settings, CARDS[:3])
    _keyring(settings).rotate()
    _wait_out_refresh()
    keyring_before = (settings.data_dir / "vault.keys").read_bytes()
    with Store.open(f"sqlite:///{_db(settings)}") as store:
        with pytest.raises(Conflict, match="3 PII vault entries are still sealed under key 1") as e:
            retire_key(store, _keyring(settings), 1, ttl_s=3600.0, refresh_s=REFRESH_S)
        assert e.value.details["reason"] == "vault_key_in_use"
        with pytest.raises(Conflict, match="key 2 is the current key"):
            retire_key(store, _keyring(settings), 2, ttl_s=3600.0, refresh_s=REFRESH_S)
        with pytest.raises(NotFound, match="no key 5"):
            retire_key(store, _keyring(settings), 5, ttl_s=3600.0, refresh_s=REFRESH_S)
    assert (settings.data_dir / "vault.keys").read_bytes() == keyring_before
    assert (settings.data_dir / keel.host.VAULT_KEY_FILE).exists()


async def test_a_key_just_superseded_cannot_be_retired_yet(settings: Settings) -> None:
    await _issue(settings, CARDS[:1])
    _keyring(settings).rotate()
    with Store.open(f"sqlite:///{_db(settings)}") as store:
        reencrypt(store, _keyring(settings).load(), ttl_s=3600.0)
        with pytest.raises(Conflict, match="may still seal under it") as e:
            retire_key(store, _keyring(settings), 1, ttl_s=3600.0, refresh_s=60.0)
    assert e.value.details["reason"] == "vault_key_recent"
    assert 0 < e.value.details["retry_after_s"] <= 120.0


async def test_retiring_deletes_the_expired_rows_under_the_key(settings: Settings) -> None:
    await _issue(settings, CARDS[:2])
    with closing(sqlite3.connect(_db(settings))) as conn, conn:
        conn.execute("UPDATE pii_vault SET created_at = created_at - 7200 WHERE rowid = 1")
    _keyring(settings).rotate()
    with Store.open(f"sqlite:///{_db(settings)}") as store:
        assert reencrypt(store, _keyring(settings).load(), ttl_s=3600.0).reencrypted == 1
        _wait_out_refresh()
        done = retire_key(store, _keyring(settings), 1, ttl_s=3600.0, refresh_s=REFRESH_S)
        assert done.expired_deleted == 1
        assert key_usage(store, ttl_s=3600.0) == {2: key_usage(store, ttl_s=3600.0)[2]}
    with (
        Store.open(f"sqlite:///{_db(settings)}") as store,
        pytest.raises(Conflict, match="already retired"),
    ):
        retire_key(store, _keyring(settings), 1, ttl_s=3600.0, refresh_s=REFRESH_S)


# -- the keyring file ----------------------------------------------------------------


def test_the_keyring_is_private_and_holds_no_key_1_material(settings: Settings) -> None:
    keyring = _keyring(settings)
    rotated, _ = keyring.rotate()
    path = settings.data_dir / "vault.keys"
    assert path.stat().st_mode & 0o777 == 0o600
    doc = json.loads(path.read_text())
    assert doc["keys"][0] == {"id": 1, "key_file": True, "created_at": None, "retired_at": None}
    key1 = (settings.data_dir / keel.host.VAULT_KEY_FILE).read_bytes()
    assert base64.b64encode(key1).decode() not in path.read_text()
    assert "key=" not in repr(rotated)
    assert "token_key=" not in repr(rotated)
    assert repr(rotated.active[2]) not in repr(rotated)
    assert keyring.rotate()[0].current == 3


def _corrupt(doc: dict[str, object], **change: object) -> str:
    return json.dumps(doc | change)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: "{not json", "not JSON \\(line 1, column 2\\)"),
        (lambda d: _corrupt(d, format=9), "not a format 1 keyring"),
        (lambda d: _corrupt(d, current=7), '"current" \\(7\\) is not an active key'),
        (lambda d: _corrupt(d, token_key="***"), "token_key is not base64"),
        (lambda d: _corrupt(d, token_key=base64.b64encode(b"x" * 5).decode()), "5 bytes, not 32"),
        (lambda d: _corrupt(d, keys=[]), '"keys" must be a non-empty list'),
        (lambda d: _corrupt(d, keys=[d["keys"][1], d["keys"][1]]), "a key id appears twice"),  # type: ignore[index]
    ],
)
def test_a_corrupted_keyring_is_refused_with_a_clear_message(
    settings: Settings, damage: object, message: str
) -> None:
    _keyring(settings).rotate()
    path = settings.data_dir / "vault.keys"
    doc = json.loads(path.read_text())
    path.write_text(damage(doc))  # type: ignore[operator]
    with pytest.raises(ConfigError, match=message) as raised:
        keel.host.pii_vault(settings)
    assert raised.value.details["reason"] == "vault_keyring_invalid"
    assert str(path) in raised.value.message
    assert "Restore it from your backup" in raised.value.message
    assert doc["keys"][1]["key"] not in raised.value.message


def test_a_missing_vault_key_named_by_the_keyring_is_not_remade(settings: Settings) -> None:
    _keyring(settings).rotate()
    (settings.data_dir / keel.host.VAULT_KEY_FILE).unlink()
    with pytest.raises(ConfigError, match=r"key 1 lives in .*vault\.key, which is missing"):
        _keyring(settings).load()
    assert not (settings.data_dir / keel.host.VAULT_KEY_FILE).exists()


def test_a_running_vault_keeps_its_keys_when_the_keyring_breaks(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    vault = keel.host.pii_vault(settings)
    _keyring(settings).rotate()
    (settings.data_dir / "vault.keys").write_text("{broken")
    time.sleep(REFRESH_S)
    vault.put("card:tok_0123456789abcdef", CARDS[0], scope="acme")
    assert vault.current_key_id == 1  # still sealing under a key it holds
    assert vault.get("card:tok_0123456789abcdef", scope="acme") == CARDS[0]
    assert "keeping the keys loaded before" in caplog.text


def test_vault_keys_single_is_key_1() -> None:
    keys = VaultKeys.single(b"k" * 32)
    assert (keys.current, dict(keys.active), keys.from_keyring) == (1, {1: b"k" * 32}, False)


# -- the CLI -------------------------------------------------------------------------


@pytest.fixture
def cli_env(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEEL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KEEL_PII_VAULT_KEY_REFRESH_S", str(REFRESH_S))
    return settings


def _keel(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(app, list(args))
    return done.exit_code, done.stdout, done.stderr


async def test_the_rotation_procedure_end_to_end_on_the_cli(
    cli_env: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = await _issue(cli_env, CARDS)
    key1 = (cli_env.data_dir / keel.host.VAULT_KEY_FILE).read_bytes()
    _restart()

    assert _keel("pii", "rotate-key")[:2] == (0, "vault key 2 is now current (was 1)\n")
    code, _, stderr = _keel("pii", "retire-key", "1")
    assert code == 1
    assert "CONFLICT: 7 PII vault entries are still sealed under key 1" in stderr
    code, stdout, stderr = _keel("pii", "reencrypt", "--batch-size", "3")
    assert code == 0, stderr
    assert stdout == "re-encrypted 7 value(s) under key 2 (7 from key 1)\n"
    assert stderr.count("batch ") == 3
    assert _keel("pii", "reencrypt")[:2] == (0, "re-encrypted 0 value(s) under key 2\n")
    _wait_out_refresh()
    assert _keel("pii", "retire-key", "1")[:2] == (0, "vault key 1 retired\n")
    code, stdout, _ = _keel("pii", "keys", "--json")
    listed = [(k["id"], k["state"], k["live_entries"]) for k in json.loads(stdout)]
    assert (code, listed) == (0, [(1, "retired", 0), (2, "current", 7)])
    assert _reveal(cli_env, tokens) == CARDS

    with closing(sqlite3.connect(_db(cli_env))) as conn:
        records = conn.execute(
            "SELECT actor, payload FROM audit_log WHERE kind = 'key.change' "
            "AND payload LIKE '%pii_vault%' ORDER BY id"
        ).fetchall()
    events = [json.loads(p) for _, p in records]
    assert [e["event"] for e in events] == [
        "pii_vault.key_rotated",
        "pii_vault.reencrypted",
        "pii_vault.reencrypted",
        "pii_vault.key_retired",
    ]
    assert events[0] == {"event": "pii_vault.key_rotated", "key_id": 2, "previous": 1}
    assert (events[1]["reencrypted"], events[1]["from_keys"]) == (7, {"1": 7})
    assert all(actor.startswith("cli:") for actor, _ in records)

    # No key material and no value in the audit log, the logs or the output.
    doc = json.loads((cli_env.data_dir / "vault.keys").read_text())
    secrets = [doc["token_key"], doc["keys"][1]["key"]]
    secrets += [base64.b64decode(doc["keys"][1]["key"]).hex(), key1.hex()]
    secrets.append(base64.b64encode(key1).decode())
    audit_text = " ".join(p for _, p in records)
    for secret in [*secrets, *CARDS]:
        assert secret not in audit_text
        assert secret not in caplog.text


async def test_the_cli_refuses_a_corrupted_keyring(cli_env: Settings) -> None:
    assert _keel("pii", "rotate-key")[0] == 0
    (cli_env.data_dir / "vault.keys").write_text('{"format": 1}')
    for command_ in (["pii", "keys"], ["pii", "reencrypt"], ["pii", "rotate-key"]):
        code, _, stderr = _keel(*command_)
        assert code == 2
        assert "INPUT_INVALID: PII vault keyring" in stderr
        assert "is invalid" in stderr


async def test_the_cli_reports_an_incomplete_reencryption(cli_env: Settings) -> None:
    tokens = await _issue(cli_env, CARDS[:2])
    with closing(sqlite3.connect(_db(cli_env))) as conn, conn:
        conn.execute(
            "UPDATE pii_vault SET sealed = zeroblob(40) WHERE handle = ?", (tokens[0][1:-1],)
        )
    _restart()
    assert _keel("pii", "rotate-key")[0] == 0
    code, stdout, stderr = _keel("pii", "reencrypt")
    assert code == 1
    assert stdout == "re-encrypted 1 value(s) under key 2 (1 from key 1)\n"
    assert "1 value(s) do not decrypt" in stderr
    assert "1 live value(s) are still" in stderr


async def test_a_rotation_whose_audit_record_cannot_be_stored_stands_and_says_so(
    cli_env: Settings,
) -> None:
    assert _keel("pii", "rotate-key")[0] == 0
    with closing(sqlite3.connect(_db(cli_env))) as conn, conn:
        conn.execute(
            "create trigger refuse before insert on audit_log when new.kind = 'key.change' "
            "begin select raise(abort, 'no room for it'); end"
        )
    code, _, stderr = _keel("pii", "rotate-key")
    assert code == 1
    assert "pii_vault.key_rotated took effect, but the audit record could not be stored" in (stderr)
    assert "no room for it" in stderr
    with closing(sqlite3.connect(_db(cli_env))) as conn, conn:
        conn.execute("drop trigger refuse")
    # The rotation stood: the next one starts from its key.
    assert _keel("pii", "rotate-key")[:2] == (0, "vault key 4 is now current (was 3)\n")
