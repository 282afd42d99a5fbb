"""``keel keys``: create (shown once), list (never secrets), revoke — against a real store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_keel import Keel

from keel.api.keys import ApiKeys
from keel.errors import Unauthenticated
from keel.store import Store

GREPPABLE = re.compile(r"[A-Za-z0-9_.-]{20,}")


def _create(keel: Keel, *args: str) -> tuple[str, str]:
    """Create a key; returns (key id, key)."""
    result = keel("keys", "create", *args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, "the key alone on stdout"
    key = lines[0]
    assert GREPPABLE.fullmatch(key)
    key_id = re.search(r"created (key_\w+)", result.stderr)
    assert key_id is not None, result.stderr
    return key_id.group(1), key


def _store(keel: Keel) -> Store:
    return Store.open(f"sqlite:///{keel.data / 'keel.db'}")


def test_create_prints_the_key_once_with_a_warning(keel: Keel) -> None:
    result = keel("keys", "create", "--tenant", "acme", "--role", "client", "--role", "viewer")
    assert result.exit_code == 0, result.output
    (key,) = result.stdout.splitlines()
    assert re.fullmatch(r"keel_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", key)
    assert "will not be shown again" in result.stderr
    assert "tenant acme, roles client, viewer" in result.stderr
    assert key not in result.stderr
    with _store(keel) as store:
        got = ApiKeys(store).authenticate(key)
    assert (got.tenant, got.roles) == ("acme", ("client", "viewer"))


def test_list_shows_ids_first_and_never_the_secret(keel: Keel) -> None:
    a, ka = _create(keel, "--tenant", "acme", "--role", "client", "--name", "web shop")
    b, kb = _create(keel, "--tenant", "globex", "--role", "admin")
    listed = keel("keys", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [a, b]
    assert "tenant acme  roles client  name web shop" in lines[0]
    assert f"keel_{ka.split('_')[1]}_…" in lines[0]
    assert [
        line.split()[0] for line in keel("keys", "list", "--tenant", "globex").stdout.splitlines()
    ] == [b]
    as_json = keel("keys", "list", "--json").stdout
    docs = json.loads(as_json)
    assert [d["id"] for d in docs] == [a, b]
    assert set(docs[0]) == {
        "id",
        "prefix",
        "tenant",
        "roles",
        "name",
        "created_at",
        "created_by",
        "revoked_at",
        "last_used_at",
    }
    assert docs[0]["created_by"].startswith("cli:")
    for key in (ka, kb):
        secret = key.split("_", 2)[2]
        assert secret not in listed.output
        assert secret not in as_json


def test_revoke_by_id_then_the_key_is_refused(keel: Keel) -> None:
    key_id, key = _create(keel, "--tenant", "acme", "--role", "operator")
    result = keel("keys", "revoke", key_id)
    assert result.exit_code == 0, result.output
    assert f"revoked {key_id}" in result.stdout
    assert keel("keys", "list").stdout == ""
    assert "no active API keys" in keel("keys", "list").stderr
    everything = keel("keys", "list", "--all").stdout
    assert everything.startswith(key_id)
    assert "revoked 2" in everything
    with _store(keel) as store, pytest.raises(Unauthenticated, match="revoked"):
        ApiKeys(store).authenticate(key)
    again = keel("keys", "revoke", key_id)
    assert again.exit_code == 2
    assert "CONFLICT" in again.stderr
    assert "already revoked" in again.stderr


def test_revoke_takes_the_key_itself(keel: Keel) -> None:
    key_id, key = _create(keel, "--tenant", "acme", "--role", "client")
    result = keel("keys", "revoke", key)
    assert result.exit_code == 0
    assert key_id in result.stdout
    assert key.split("_", 2)[2] not in result.output


def test_bad_input_exits_2_saying_what_to_fix(keel: Keel) -> None:
    bad_role = keel("keys", "create", "--tenant", "acme", "--role", "boss")
    assert bad_role.exit_code == 2
    assert "INPUT_INVALID" in bad_role.stderr
    assert "admin, operator, approver, client, viewer" in bad_role.stderr
    assert bad_role.stdout == ""
    no_role = keel("keys", "create", "--tenant", "acme")
    assert no_role.exit_code == 2
    assert "--role" in no_role.output
    bad_tenant = keel("keys", "create", "--tenant", "a b", "--role", "client")
    assert bad_tenant.exit_code == 2
    assert "tenant" in bad_tenant.stderr
    unknown = keel("keys", "revoke", "key_doesnotexist")
    assert unknown.exit_code == 2
    assert "NOT_FOUND" in unknown.stderr


def test_key_changes_are_in_the_verified_audit_log(keel: Keel, tmp_path: Path) -> None:
    key_id, key = _create(keel, "--tenant", "acme", "--role", "approver")
    keel("keys", "revoke", key_id)
    verify = keel("audit", "verify")
    assert verify.exit_code == 0, verify.output
    exported = keel("audit", "export", "--tenant", "acme")
    assert exported.exit_code == 0, exported.output
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    kinds = [(e["kind"], e["payload"]["event"]) for e in events]
    assert kinds == [("key.change", "api_key.created"), ("key.change", "api_key.revoked")]
    assert all(e["actor"].startswith("cli:") for e in events)
    secret = key.split("_", 2)[2]
    for f in keel.data.rglob("*"):
        if f.is_file():
            assert secret.encode() not in f.read_bytes(), f
