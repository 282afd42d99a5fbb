"""Settings: defaults < ``keel.toml`` < ``KEEL_*`` < flags; invalid config is a ``ConfigError``;
the CLI's engine gets every limit the settings hold."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from keel.agent import Agent
from keel.cli import context
from keel.config import Price, Settings, load_settings
from keel.errors import ConfigError, RateLimited
from keel.models import ModelRequest, ScriptedModel, Usage
from keel.store import Store


def write_toml(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "keel.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path: Path) -> None:
    s = load_settings({}, cwd=tmp_path)

    assert s == Settings()
    assert s.config_file is None
    assert (s.max_concurrency, s.max_queue, s.session_turns) == (256, 10_000, 20)
    assert s.max_concurrency_per_agent is None
    assert s.store_url == f"sqlite:///{(Path('.keel') / 'keel.db').resolve()}"


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    path = write_toml(
        tmp_path,
        """
        data_dir = "state"
        max_queue = 5
        max_concurrency = 8
        session_turns = 3
        """.replace("        ", ""),
    )
    env = {"KEEL_MAX_QUEUE": "7", "KEEL_SESSION_TURNS": "4"}

    from_file = load_settings({}, cwd=tmp_path)
    from_env = load_settings(env, cwd=tmp_path)
    from_flags = load_settings(env, cwd=tmp_path, overrides={"max_queue": 9, "session_turns": None})

    assert from_file.config_file == path
    assert (from_file.max_queue, from_file.max_concurrency, from_file.session_turns) == (5, 8, 3)
    # A relative data_dir in the file is relative to the file.
    assert from_file.data_dir == tmp_path / "state"
    assert from_file.store_url == f"sqlite:///{(tmp_path / 'state' / 'keel.db').resolve()}"
    assert (from_env.max_queue, from_env.max_concurrency, from_env.session_turns) == (7, 8, 4)
    # A flag wins; a flag left unset (None) does not override.
    assert (from_flags.max_queue, from_flags.session_turns) == (9, 4)


def test_environment_data_dir_and_database_url(tmp_path: Path) -> None:
    write_toml(tmp_path, 'data_dir = "from-file"\n')

    s = load_settings({"KEEL_DATA_DIR": str(tmp_path / "env")}, cwd=tmp_path)
    url = load_settings({"KEEL_DATABASE_URL": "postgresql://u:secret@db/keel"}, cwd=tmp_path)

    assert s.data_dir == tmp_path / "env"
    assert s.store_url == f"sqlite:///{tmp_path / 'env' / 'keel.db'}"
    assert url.store_url == "postgresql://u:secret@db/keel"


def test_empty_environment_variables_are_ignored(tmp_path: Path) -> None:
    write_toml(tmp_path, "max_queue = 5\n")

    s = load_settings({"KEEL_MAX_QUEUE": "", "KEEL_DATABASE_URL": ""}, cwd=tmp_path)

    assert s.max_queue == 5
    assert s.database_url is None


def test_config_file_is_found_by_flag_variable_or_home(tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    explicit = write_toml(tmp_path / "explicit", "max_queue = 1\n")
    named = write_toml(tmp_path / "named", "max_queue = 2\n")
    home = write_toml(tmp_path / "home", "max_queue = 3\n")
    env = {"KEEL_CONFIG": str(named), "KEEL_HOME": str(home.parent)}

    assert load_settings(env, cwd=cwd, config_file=explicit).max_queue == 1
    assert load_settings(env, cwd=cwd).max_queue == 2
    assert load_settings({"KEEL_HOME": str(home.parent)}, cwd=cwd).max_queue == 3
    write_toml(cwd, "max_queue = 4\n")
    assert load_settings({"KEEL_HOME": str(home.parent)}, cwd=cwd).max_queue == 4


def test_prices_are_read_from_the_file(tmp_path: Path) -> None:
    write_toml(
        tmp_path,
        '[prices]\n"openai:gpt-test" = { input = 0.15, output = 0.60 }\n',
    )

    s = load_settings({}, cwd=tmp_path)

    assert s.prices == {"openai:gpt-test": Price(input=0.15, output=0.60)}
    table = context.prices(s)
    assert table.cost("openai:gpt-test", Usage(1_000_000, 1_000_000)) == pytest.approx(0.75)
    assert "openai:gpt-4o-mini" in table  # the shipped table is still there


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        (
            "max_concurrency = 0\n",
            {},
            "max_concurrency: Input should be greater than or equal to 1",
        ),
        ("max_queue = 'lots'\n", {}, "max_queue: Input should be a valid integer"),
        ("bogus = 1\n", {}, "bogus: Extra inputs are not permitted"),
        ("[prices]\n'x:y' = { input = -1, output = 0 }\n", {}, "prices.x:y.input"),
        ("max_queue = [\n", {}, "keel.toml"),
        ("", {"KEEL_MAX_CONCURRENCY": "many"}, "max_concurrency: Input should be a valid integer"),
    ],
    ids=["out-of-range", "wrong-type", "unknown-key", "bad-price", "bad-toml", "bad-env"],
)
def test_invalid_configuration_is_a_config_error(
    tmp_path: Path, toml: str, env: dict[str, str], message: str
) -> None:
    write_toml(tmp_path, toml)

    with pytest.raises(ConfigError) as info:
        load_settings(env, cwd=tmp_path)

    assert message in info.value.message
    assert info.value.code == "INPUT_INVALID"


@pytest.mark.parametrize(
    "env",
    [{"KEEL_CONFIG": "/nonexistent/keel.toml"}, {}],
    ids=["variable", "flag"],
)
def test_a_named_config_file_that_does_not_exist_is_a_config_error(
    tmp_path: Path, env: dict[str, str]
) -> None:
    explicit = None if env else tmp_path / "missing.toml"

    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env, cwd=tmp_path, config_file=explicit)


def test_the_cli_engine_applies_every_limit(store: Store, tmp_path: Path) -> None:
    env = {
        "KEEL_SESSION_TURNS": "1",
        "KEEL_MAX_CONCURRENCY": "4",
        "KEEL_MAX_CONCURRENCY_PER_AGENT": "1",
        "KEEL_MAX_QUEUE": "1",
    }
    engine = context.engine(store, load_settings(env, cwd=tmp_path))
    model = ScriptedModel(["1", "2", "3"])
    agent = Agent.define("chat", model=model)
    gate, entered = asyncio.Event(), asyncio.Event()

    async def held(request: ModelRequest) -> str:
        entered.set()
        await gate.wait()
        return "done"

    hold = Agent.define("hold", model=ScriptedModel(held))

    async def scenario() -> None:
        for text in ["a", "b", "c"]:
            await engine.run(agent, text, session_id="s")
        running = asyncio.create_task(engine.run(hold, "x"))
        await entered.wait()
        queued = asyncio.create_task(engine.run(hold, "y"))
        for _ in range(50):
            await asyncio.sleep(0)
        assert engine.waiting == 1
        # Free global slots, but one run of this agent at a time: one running, one
        # queued, and the queue (of one) is full, so the next run is refused at once.
        with pytest.raises(RateLimited):
            await engine.run(hold, "z")
        gate.set()
        assert [(await running).status, (await queued).status] == ["completed", "completed"]

    asyncio.run(scenario())

    assert engine.store is store
    # session_turns = 1: the third turn sees only the second.
    assert [m.content for m in model.requests[2].messages[1:]] == ["b", "2", "c"]
