"""Token streaming end to end, over real sockets: a provider that streams (a local HTTP
server speaking OpenAI's SSE wire format), a live ``keel serve`` whose agent says
``output.stream: tokens``, and the official ``openai`` client streaming from it.

The provider holds the rest of its stream until the client has received its first
delta, so the test passes only if Keel sends deltas while the model is still writing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import openai
import pytest

KEEL = str(Path(sys.executable).parent / "keel")
PIECES = [
    "Your order shipped on Monday ",
    "and should arrive by Thursday. ",
    "The tracking link is in the e-mail ",
    "we sent when it left the warehouse; ",
    "reply here if it does not come. ",
    "The refund for the card 4242 4242 4242 4242 ",
    "was issued as well.",
]
SPEC = """\
apiVersion: keel/v1
kind: Agent
metadata: {{name: courier, version: 1.0.0}}
spec:
  instructions: {{text: "Answer questions about orders."}}
  model:
    primary:
      provider: openai
      name: gpt-test
      base_url: {base_url}
      api_key_env: COURIER_TEST_KEY
      max_retries: 0
  output: {{stream: tokens}}
"""


def _fake_providers() -> ModuleType:
    """The provider test double of ``tests/models`` (not a package; loaded by path)."""
    if "fake_providers" in sys.modules:
        return sys.modules["fake_providers"]
    path = Path(__file__).parents[1] / "models" / "fake_providers.py"
    spec = importlib.util.spec_from_file_location("fake_providers", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_providers"] = module
    spec.loader.exec_module(module)
    return module


fp = _fake_providers()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Live:
    def __init__(self, url: str, key: str, provider: object) -> None:
        self.url = url
        self.key = key
        self.provider = provider


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    provider = fp.FakeProvider().start()
    tmp = tmp_path_factory.mktemp("live-stream")
    (tmp / "courier").mkdir()
    (tmp / "courier" / "agent.yaml").write_text(SPEC.format(base_url=f"{provider.url}/v1"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.update(
        KEEL_DATA_DIR=str(tmp / "data"), KEEL_HOME=str(tmp / "home"), COURIER_TEST_KEY="sk-test"
    )
    created = subprocess.run(
        [KEEL, "keys", "create", "--tenant", "acme", "--role", "client"],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        check=True,
    )
    key = re.findall(r"keel_[A-Za-z0-9_-]{20,}", created.stdout)[-1]
    port = _free_port()
    log = tmp / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [KEEL, "serve", str(tmp / "courier"), "--port", str(port), "--log-level", "warning"],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text())
        yield Live(url, key, provider)
    finally:
        process.terminate()
        process.wait(timeout=30)
        provider.stop()
    assert provider.errors == []


def test_the_openai_client_receives_deltas_while_the_model_still_writes(live: Live) -> None:
    gate = threading.Event()
    reply = fp.Reply(events=fp.openai_stream(PIECES), gate=gate, gate_after=5)
    live.provider.queue(reply)  # type: ignore[attr-defined]
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key, max_retries=0)

    stream = client.chat.completions.create(
        model="courier",
        messages=[{"role": "user", "content": "Where is my order?"}],
        stream=True,
    )
    pieces: list[str] = []
    for chunk in stream:
        text = chunk.choices[0].delta.content if chunk.choices else None
        if text:
            pieces.append(text)
            gate.set()  # the model may go on only once a delta reached the client

    assert reply.gate_opened == [True]
    # Before the gate, the provider had sent the first four pieces (after its role
    # chunk): the first delta came out of those, while the model was still writing.
    assert "".join(PIECES[:4]).startswith(pieces[0])
    answer = "".join(pieces)
    assert answer == "".join(PIECES).replace("4242 4242 4242 4242", "**** **** **** 4242")
    assert len(pieces) > 2
    sent = live.provider.requests[-1].body  # type: ignore[attr-defined]
    assert sent["stream"] is True


def test_a_request_without_stream_gets_the_same_governed_answer(live: Live) -> None:
    live.provider.queue(fp.Reply(body=fp.openai_completion("".join(PIECES))))  # type: ignore[attr-defined]
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key, max_retries=0)
    completion = client.chat.completions.create(
        model="courier", messages=[{"role": "user", "content": "Where is my order?"}]
    )
    assert completion.choices[0].message.content == "".join(PIECES).replace(
        "4242 4242 4242 4242", "**** **** **** 4242"
    )
