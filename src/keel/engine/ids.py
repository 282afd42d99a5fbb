"""Identifiers: time-ordered, unique without coordination, safe in URLs."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase


def _b32(n: int, length: int) -> str:
    chars = []
    for _ in range(length):
        n, r = divmod(n, 32)
        chars.append(_ALPHABET[r])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """``prefix_`` + 26 characters: 48 bits of milliseconds, 80 random bits (a ULID).

    Sorting ids sorts by creation time, which keeps B-tree inserts appending.
    """
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}_{_b32(ms, 10)}{_b32(rand, 16)}"


def new_run_id() -> str:
    return new_id("run")
