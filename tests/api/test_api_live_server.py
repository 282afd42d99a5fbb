"""A real ``keel serve`` process, used by real clients: the official ``openai`` client
(models, chat, streaming) and plain HTTP. Also: a broken spec fails start-up with its
file:line problem, and the process shuts down cleanly."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "helpdesk"
KEEL = str(Path(sys.executable).parent / "keel")


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.update(KEEL_DATA_DIR=str(tmp / "data"), KEEL_HOME=str(tmp / "home"))
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    key: str
    process: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve")
    env = _env(tmp)
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
            [KEEL, "serve", str(EXAMPLE), "--port", str(port), "--log-level", "warning"],
            env=env,
            cwd=tmp,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        process.wait()
        raise AssertionError(log.read_text())
    yield Server(url, key, process)
    process.terminate()
    process.wait(timeout=30)


def test_the_official_openai_client_chats_with_a_governed_agent(server: Server) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=server.key)
    models = [m.id for m in client.models.list().data]
    assert "helpdesk" in models
    assert "helpdesk@1.0.0" in models

    raw = client.chat.completions.with_raw_response.create(
        model="helpdesk", messages=[{"role": "user", "content": "My VPN keeps disconnecting"}]
    )
    assert raw.headers["x-agent-version"].startswith("helpdesk@1.0.0+")
    assert raw.headers["x-trace-id"]
    completion = raw.parse()
    assert completion.id.startswith("chatcmpl-run_")
    answer = completion.choices[0].message.content
    assert answer is not None
    assert "ticket" in answer.lower()
    assert completion.choices[0].finish_reason == "stop"


def test_streaming_chat_joins_back_to_the_whole_answer(server: Server) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=server.key)
    whole = client.chat.completions.create(
        model="helpdesk@1.0.0",
        messages=[{"role": "user", "content": "Outlook will not open my mailbox"}],
    )
    stream = client.chat.completions.create(
        model="helpdesk@1.0.0",
        messages=[{"role": "user", "content": "Outlook will not open my mailbox"}],
        stream=True,
    )
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert len(pieces) > 2
    assert "".join(pieces) == whole.choices[0].message.content


def test_governance_errors_reach_openai_clients_as_typed_errors(server: Server) -> None:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=server.key, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            base_url=f"{server.url}/v1", api_key="keel_wrong", max_retries=0
        ).models.list()
    with pytest.raises(openai.ConflictError) as waited:
        client.chat.completions.create(
            model="helpdesk",
            messages=[{"role": "user", "content": "Please reset the password for user jdoe"}],
        )
    assert waited.value.body["code"] == "APPROVAL_REQUIRED"  # type: ignore[index]


def test_a_broken_spec_fails_start_up_with_its_location(tmp_path: Path) -> None:
    broken = tmp_path / "agent"
    shutil.copytree(EXAMPLE, broken)
    spec = broken / "agent.yaml"
    spec.write_text(spec.read_text().replace("max_steps: 8", "max_stepz: 8"))
    done = subprocess.run(
        [KEEL, "serve", str(broken), "--port", str(_free_port())],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert re.search(r"agent\.yaml:\d+:\d+: .*max_stepz", done.stderr), done.stderr


def test_workers_above_one_need_a_shared_database(tmp_path: Path) -> None:
    done = subprocess.run(
        [KEEL, "serve", str(EXAMPLE), "--workers", "2"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Postgres" in done.stderr
