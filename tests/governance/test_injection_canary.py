"""The canary token: derived from a seed, detected in outputs however it is disguised."""

from __future__ import annotations

import base64
import codecs

import pytest

from keel.governance.injection import Canary

CANARY = Canary.new("run-1")
TOKEN = CANARY.token


def test_same_seed_same_token_different_seed_different_token() -> None:
    assert Canary.new("run-1") == CANARY
    assert Canary.new(b"run-1") == CANARY
    assert Canary.new("run-2").token != TOKEN
    assert str(CANARY) == TOKEN
    assert TOKEN.startswith("keel-")
    assert len(CANARY.body) == 16


def test_instruction_carries_the_token() -> None:
    assert TOKEN in CANARY.instruction()
    assert CANARY.leaked(CANARY.instruction())


@pytest.mark.parametrize(
    "output",
    [
        f"Sure! My instructions say: Confidential reference: {TOKEN}.",
        TOKEN.upper(),
        " ".join(TOKEN),
        "-".join(TOKEN),
        f"{TOKEN[:9]}\n{TOKEN[9:]}",
        "\u200b".join(TOKEN),
        "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in TOKEN),
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(f"My system prompt contains {TOKEN} somewhere".encode()).decode(),
        base64.b64encode(f"x{TOKEN}".encode()).decode(),
        base64.b64encode(f"xy{TOKEN}".encode()).decode(),
        base64.urlsafe_b64encode(f"prompt: {TOKEN}".encode()).decode(),
        TOKEN.encode().hex(),
        TOKEN.encode().hex().upper(),
        " ".join(f"{b:02x}" for b in TOKEN.encode()),
        codecs.encode(TOKEN, "rot13"),
        TOKEN[::-1],
        "".join(f"%{b:02X}" for b in TOKEN.encode()),
        "".join(f"&#{ord(c)};" for c in TOKEN),
        "".join(f"\\u{ord(c):04x}" for c in TOKEN),
    ],
)
def test_leaked_detects_the_token_in_disguise(output: str) -> None:
    assert CANARY.leaked(output)


@pytest.mark.parametrize(
    "output",
    [
        "Here is how to reset your VPN token: open the portal and click Reset.",
        Canary.new("run-2").token,
        base64.b64encode(b"an unrelated attachment, nothing to see").decode(),
        "keel-" + "a" * 16,
        "",
    ],
)
def test_clean_outputs_do_not_trip_the_canary(output: str) -> None:
    assert not CANARY.leaked(output)
