"""``StoreVault.get_many``: ``get`` for many handles at once, one query per batch of
cache misses (a page of runs shown together), same answers as ``get`` one by one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from keel.store import Store
from keel.store.vault import GET_MANY_BATCH, StoreVault

KEY = b"r" * 32


def handle(i: int) -> str:
    return f"card:tok_{i:016x}"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'keel.db'}") as s:
        yield s


def vault_reads(store: Store) -> list[str]:
    """The statements that read the vault table from now on."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "pii_vault" in statement:
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    return seen


async def test_cache_misses_are_read_in_one_query_per_batch(store: Store) -> None:
    writer = StoreVault(KEY)
    writer.attach(store)
    count = GET_MANY_BATCH + 20
    for i in range(count):
        writer.put(handle(i), f"value {i}", scope="acme")
    await store.writer.flush()

    cold = StoreVault(KEY)  # a new process: nothing cached
    cold.attach(store)
    reads = vault_reads(store)
    wanted = [handle(i) for i in range(count)] + ["card:tok_ffffffffffffffff"]
    found = cold.get_many(wanted, scope="acme")

    assert found == {handle(i): f"value {i}" for i in range(count)}
    assert len(reads) == 2  # two batches; the unknown handle is simply absent
    # What was read is cached: the get calls that follow read nothing.
    assert [cold.get(handle(i), scope="acme") for i in (0, count - 1)] == [
        "value 0",
        f"value {count - 1}",
    ]
    assert cold.get_many([handle(1), handle(1)], scope="acme") == {handle(1): "value 1"}
    assert len(reads) == 2


async def test_only_the_scopes_own_values_are_found(store: Store) -> None:
    vault = StoreVault(KEY)
    vault.attach(store)
    vault.put(handle(1), "acme's", scope="acme")
    vault.put(handle(2), "globex's", scope="globex")
    await store.writer.flush()
    cold = StoreVault(KEY)
    cold.attach(store)

    assert cold.get_many([handle(1), handle(2)], scope="acme") == {handle(1): "acme's"}
    assert cold.get_many([handle(1), handle(2)], scope="globex") == {handle(2): "globex's"}
    assert cold.get_many([handle(1), handle(2)]) == {}


async def test_expired_and_undecryptable_values_are_not_found(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1_000.0]
    vault = StoreVault(KEY, ttl_s=60.0, clock=lambda: now[0])
    vault.attach(store)
    vault.put(handle(1), "old", scope="acme")
    now[0] = 1_050.0
    vault.put(handle(2), "new", scope="acme")
    await store.writer.flush()
    now[0] = 1_070.0  # the first is 70 s old, the second 20 s

    cold = StoreVault(KEY, ttl_s=60.0, clock=lambda: now[0])
    cold.attach(store)
    assert cold.get_many([handle(1), handle(2)], scope="acme") == {handle(2): "new"}
    assert vault.get_many([handle(1), handle(2)], scope="acme") == {handle(2): "new"}

    wrong = StoreVault(b"w" * 32, ttl_s=60.0, clock=lambda: now[0])  # another vault.key
    wrong.attach(store)
    caplog.set_level(logging.ERROR)
    assert wrong.get_many([handle(2)], scope="acme") == {}
    assert "cannot be decrypted" in caplog.text
    assert "new" not in caplog.text.split()


def test_before_the_store_is_attached_the_values_kept_so_far_are_found() -> None:
    vault = StoreVault(KEY)
    vault.put(handle(1), "kept", scope="acme")
    assert vault.get_many([handle(1), handle(2)], scope="acme") == {handle(1): "kept"}
