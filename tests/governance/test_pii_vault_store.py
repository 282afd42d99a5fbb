"""The store-backed PII vault: encrypted at rest, durable across restarts and
processes, per tenant, bounded by a TTL, failing closed under a wrong key."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import keel.host
from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, ToolCall, load_spec
from keel.cli.app import app
from keel.config import Settings
from keel.errors import UserError
from keel.governance.pii import Finding, Tokenizer, vault_scope
from keel.governance.policy import Principal
from keel.store import Store
from keel.store.vault import StoreVault, purge_expired

CARD = "4111 1111 1111 1111"
TOKEN = re.compile(r"⟦card:tok_[0-9a-f]{16}⟧")

SPEC = """\
apiVersion: keel/v1
kind: Agent
metadata: {name: payments, version: 1.0.0}
spec:
  instructions: {text: "Refund orders."}
  model:
    primary: {provider: rules, name: test, tags: ["pii:restricted"]}
    rules: {intents: []}
  tools:
    - ref: "tools:refund"
      settings: {pii_access: [card]}
"""

TOOLS = '''\
from keel.tools import tool

SEEN = []


@tool(risk="write", idempotent=True, blocking=False)
def refund(card: str, amount: float) -> dict:
    """Refund an amount to a card."""
    SEEN.append(card)
    return {"refunded": amount}
'''


def _card() -> Finding:
    return Finding(0, len(CARD), "card", CARD)


@pytest.fixture(autouse=True)
def _fresh_process_vaults() -> Any:
    # keel.host keeps one vault per store in a process; each test starts as a new one.
    keel.host._VAULTS.clear()
    yield
    keel.host._VAULTS.clear()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "payments"
    folder.mkdir()
    (folder / "agent.yaml").write_text(SPEC)
    (folder / "tools.py").write_text(textwrap.dedent(TOOLS))
    return folder


def _restart() -> None:
    """What a new process sees: no vault in memory, only the store and the key file."""
    keel.host._VAULTS.clear()


async def test_values_are_encrypted_at_rest_and_the_key_file_is_private(
    settings: Settings,
) -> None:
    tokenizer = keel.host.pii_tokenizer(settings)
    store = keel.host.open_store(settings, audit=False)
    with store:
        with vault_scope("acme"):
            token = tokenizer.tokenize(_card())
        await store.writer.flush()
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT tenant, handle, sealed FROM pii_vault").all()
    assert [(r.tenant, r.handle) for r in rows] == [("acme", token[1:-1])]
    raw = b"".join(p.read_bytes() for p in settings.data_dir.glob("keel.db*"))
    assert CARD.encode() not in raw
    assert CARD.replace(" ", "").encode() not in raw
    assert CARD.encode() not in rows[0].sealed
    key_file = settings.data_dir / keel.host.VAULT_KEY_FILE
    assert len(key_file.read_bytes()) == 32
    assert key_file.stat().st_mode & 0o777 == 0o600


async def test_a_token_is_revealed_after_a_restart(settings: Settings, spec_dir: Path) -> None:
    agent = keel.host.load_agent(spec_dir, settings, credentials={})
    assert agent.governor is not None
    with keel.host.open_store(settings, audit=False), vault_scope("acme"):
        token = agent.governor.mask(f"card {CARD}", "model").split()[-1]
    assert TOKEN.fullmatch(token)

    _restart()
    again = keel.host.load_agent(spec_dir, settings, credentials={})
    assert again.governor is not None
    with keel.host.open_store(settings, audit=False), vault_scope("acme"):
        assert again.governor.reveal("refund", {"card": token}) == {"card": CARD}
        # The same value gets the same token in the new process (stable key).
        assert again.governor.mask(f"card {CARD}", "model").split()[-1] == token


def test_a_token_is_revealed_in_another_process(settings: Settings) -> None:
    tokenizer = keel.host.pii_tokenizer(settings)
    with keel.host.open_store(settings, audit=False), vault_scope("acme"):
        token = tokenizer.tokenize(_card())
    # Closing the store flushed the writer; another process reads the table.
    code = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        import keel.host
        from keel.config import Settings
        from keel.governance.pii import vault_scope

        s = Settings(data_dir=Path({str(settings.data_dir)!r}))
        tokenizer = keel.host.pii_tokenizer(s)
        with keel.host.open_store(s, audit=False):
            with vault_scope("acme"):
                mine = tokenizer.detokenize({token!r}, {{"card"}})
            with vault_scope("other"):
                theirs = tokenizer.detokenize({token!r}, {{"card"}})
        print(json.dumps([mine, theirs]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [CARD, token]


async def test_a_token_of_one_tenant_is_not_revealed_in_another_tenants_run(
    settings: Settings, spec_dir: Path
) -> None:
    issued: dict[str, str] = {}

    def script(request: ModelRequest) -> Any:
        last = request.messages[-1]
        if last.role == "user":
            found = TOKEN.search(last.content)
            # Tenant B's model replays the token it somehow learnt from tenant A.
            token = found.group(0) if found else issued["acme"]
            issued.setdefault("acme", token)
            return [ToolCall("c1", "refund", {"card": token, "amount": 5.0})]
        return "done"

    loaded = load_spec(spec_dir)
    seen = loaded.tool_objects["refund"].__wrapped__.__globals__["SEEN"]  # type: ignore[attr-defined]
    agent = Agent.from_spec(
        loaded,
        model=ScriptedModel(script),
        pii_hash_key=b"k" * 32,
        pii_tokenizer=keel.host.pii_tokenizer(settings),
    )
    with keel.host.open_store(settings, audit=False) as store:
        engine = LocalEngine(store)
        admin = Principal("u1", ("admin",))
        a = await engine.run(agent, f"refund card {CARD}", tenant="acme", principal=admin)
        b = await engine.run(agent, "refund the same card", tenant="globex", principal=admin)
    assert (a.status, b.status) == ("completed", "completed")
    assert seen == [CARD, issued["acme"]]  # B's tool got the token, not the card
    # The same card in B's own request gets B's own token, unrelated to A's.
    with vault_scope("acme"):
        a_token = agent.governor.mask(CARD, "model") if agent.governor else ""
    with vault_scope("globex"):
        b_token = agent.governor.mask(CARD, "model") if agent.governor else ""
    assert a_token == issued["acme"]
    assert b_token != a_token


async def test_values_past_the_ttl_are_never_returned_and_purged(tmp_path: Path) -> None:
    now = [1_000.0]
    key = b"v" * 32
    with Store.open(f"sqlite:///{tmp_path / 'keel.db'}") as store:
        vault = StoreVault(key, ttl_s=60.0, clock=lambda: now[0])
        vault.attach(store)
        vault.put("card:tok_0123456789abcdef", CARD, scope="acme")
        now[0] = 1_030.0
        vault.put("card:tok_fedcba9876543210", "5555 5555 5555 4444", scope="acme")
        await store.writer.flush()
        assert vault.get("card:tok_0123456789abcdef", scope="acme") == CARD
        now[0] = 1_061.0  # the first is 61 s old, the second 31 s
        assert vault.get("card:tok_0123456789abcdef", scope="acme") is None
        cold = StoreVault(key, ttl_s=60.0, clock=lambda: now[0])  # no cache: reads the table
        cold.attach(store)
        assert cold.get("card:tok_0123456789abcdef", scope="acme") is None
        assert cold.get("card:tok_fedcba9876543210", scope="acme") == "5555 5555 5555 4444"
        assert purge_expired(store, ttl_s=60.0, now=now[0]) == 1
        with store.engine.connect() as conn:
            left = conn.exec_driver_sql("SELECT handle FROM pii_vault").scalars().all()
        assert left == ["card:tok_fedcba9876543210"]


async def test_keel_purge_deletes_expired_values(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = settings.model_copy(update={"pii_vault_ttl_s": 1.0})
    tokenizer = keel.host.pii_tokenizer(short)
    with keel.host.open_store(short, audit=False) as store:
        tokenizer.tokenize(_card())
        with vault_scope("acme"):
            tokenizer.tokenize(Finding(0, 19, "card", "5555 5555 5555 4444"))
        await store.writer.flush()
        with store.engine.begin() as conn:  # one written two seconds ago
            conn.exec_driver_sql("UPDATE pii_vault SET created_at = created_at - 2 WHERE tenant=''")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEEL_DATA_DIR", str(short.data_dir))
    monkeypatch.setenv("KEEL_PII_VAULT_TTL_S", "1")
    done = CliRunner().invoke(app, ["purge", "--older-than", "30d"])
    assert done.exit_code == 0, done.output
    assert "purged 1 PII token value(s) older than pii_vault_ttl_s" in done.output
    with keel.host.open_store(short, audit=False) as store:
        assert keel.host.purge_pii_vault(store, short) == 0
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT tenant FROM pii_vault").scalars().all() == ["acme"]


async def test_a_wrong_key_fails_closed(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'keel.db'}") as store:
        right = StoreVault(b"r" * 32)
        right.attach(store)
        tokenizer = Tokenizer(right, key=b"t" * 32)
        token = tokenizer.tokenize(_card())
        await store.writer.flush()
        with store.engine.connect() as conn:
            sealed = conn.exec_driver_sql("SELECT sealed FROM pii_vault").scalar_one()

        wrong = StoreVault(b"w" * 32)  # e.g. vault.key replaced
        wrong.attach(store)
        caplog.set_level(logging.DEBUG)
        args = Tokenizer(wrong, key=b"t" * 32).detokenize_json({"card": token}, {"card"})
    assert args == {"card": token}  # the tool gets the token, never the ciphertext
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "cannot be decrypted" in errors[0].getMessage()
    logged = caplog.text
    assert CARD not in logged
    assert sealed.hex() not in logged
    assert repr(sealed) not in logged


async def test_a_row_moved_to_another_tenant_does_not_open(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'keel.db'}") as store:
        vault = StoreVault(b"r" * 32)
        vault.attach(store)
        vault.put("card:tok_0123456789abcdef", CARD, scope="acme")
        await store.writer.flush()
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE pii_vault SET tenant = 'globex'")
        cold = StoreVault(b"r" * 32)
        cold.attach(store)
        assert cold.get("card:tok_0123456789abcdef", scope="globex") is None
        assert cold.get("card:tok_0123456789abcdef", scope="acme") is None


def test_before_the_store_opens_values_wait_in_memory(tmp_path: Path) -> None:
    vault = StoreVault(b"r" * 32)
    vault.put("card:tok_0123456789abcdef", CARD)
    assert vault.get("card:tok_0123456789abcdef") == CARD
    with Store.open(f"sqlite:///{tmp_path / 'keel.db'}") as store:
        vault.attach(store)
    with Store.open(f"sqlite:///{tmp_path / 'keel.db'}") as store:
        cold = StoreVault(b"r" * 32)
        cold.attach(store)
        assert cold.get("card:tok_0123456789abcdef") == CARD


def test_the_cache_is_bounded() -> None:
    vault = StoreVault(b"r" * 32, cache_size=2)
    for i in range(5):
        vault.put(f"card:tok_{i:016x}", str(i))
    assert len(vault) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": b"short"}, "must be 32 bytes"),
        ({"key": b"r" * 32, "ttl_s": 0}, "pii_vault_ttl_s must be positive"),
        ({"key": b"r" * 32, "cache_size": 0}, "at least one entry"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        StoreVault(**kwargs)
