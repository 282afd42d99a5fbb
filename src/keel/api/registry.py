"""The agents a server serves: loaded once at start-up, by name and version.

``keel serve PATH…`` takes spec files or folders; a folder holding no spec of its
own serves every sub-folder that holds one (``agents/*/agent.yaml``). Every spec is
validated before the server accepts a request: a broken one fails start-up with
its file:line problems. Several versions of one agent may be served side by side
(``helpdesk@1.0.0`` and ``helpdesk@1.1.0``); a bare name means the newest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from keel.agent import Agent
from keel.errors import NotFound, UserError
from keel.spec.loader import SPEC_FILE_NAMES
from keel.store.runs import RunRecord


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    # Numeric parts compare as numbers (1.10 > 1.9); others as text, below numbers.
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in re.split(r"[.+-]", version))


class AgentRegistry:
    """Agents by name and version. Raises ``UserError`` for two different specs that
    claim the same name and version."""

    def __init__(self, agents: Iterable[Agent]) -> None:
        self._by_name: dict[str, dict[str, Agent]] = {}
        for agent in agents:
            versions = self._by_name.setdefault(agent.name, {})
            seen = versions.get(agent.version)
            if seen is not None and seen.content_hash != agent.content_hash:
                raise UserError(
                    f"two different specs are {agent.name}@{agent.version} "
                    f"({seen.spec_path} and {agent.spec_path}); give one a new version"
                )
            versions[agent.version] = agent
        self._latest = {
            name: max(versions.values(), key=lambda a: _version_key(a.version))
            for name, versions in self._by_name.items()
        }

    @classmethod
    def from_paths(
        cls, paths: Iterable[str | Path], load: Callable[[Path], Agent]
    ) -> AgentRegistry:
        """Load every spec under ``paths`` with ``load``; ``SpecError`` on the first broken."""
        found: list[Path] = []
        for raw in paths:
            found.extend(spec_locations(Path(raw)))
        if not found:
            raise UserError("no agent to serve: give spec files or folders holding them")
        return cls(load(p) for p in found)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_name.values())

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def agents(self) -> list[Agent]:
        """Every served agent version: by name, each name's newest first."""
        return [agent for name in self.names() for agent in self.versions(name)]

    def versions(self, name: str) -> list[Agent]:
        """Every served version of ``name``, newest first."""
        return sorted(
            self._by_name.get(name, {}).values(),
            key=lambda a: _version_key(a.version),
            reverse=True,
        )

    def get(self, name: str, version: str | None = None) -> Agent:
        """``name`` at ``version`` (newest when ``None``); ``name@version`` works too.

        Raises ``NotFound`` naming what is served."""
        if version is None and "@" in name:
            name, _, version = name.partition("@")
        versions = self._by_name.get(name)
        if versions is None:
            served = ", ".join(self.names()) or "none"
            raise NotFound(f"no agent {name!r} is served here (served: {served})")
        if version is None:
            return self._latest[name]
        agent = versions.get(version)
        if agent is None:
            have = ", ".join(a.version for a in self.versions(name))
            raise NotFound(f"agent {name!r} has no version {version!r} here (served: {have})")
        return agent

    def for_run(self, rec: RunRecord) -> Agent:
        """The agent a stored run started with (for resuming and continuing it).

        Raises ``NotFound`` if that exact definition (name, version and content hash)
        is no longer served: replaying against another definition is not safe."""
        agent = self.get(rec.agent, rec.agent_version)
        if agent.content_hash != rec.agent_hash:
            raise NotFound(
                f"run {rec.id} started with another definition of {rec.agent}@"
                f"{rec.agent_version} than the one served now"
            )
        return agent


def spec_locations(path: Path) -> list[Path]:
    """The spec files or folders ``path`` stands for (see the module docstring)."""
    if path.is_dir() and not any((path / n).is_file() for n in SPEC_FILE_NAMES):
        nested = sorted(
            d
            for d in path.iterdir()
            if d.is_dir() and any((d / n).is_file() for n in SPEC_FILE_NAMES)
        )
        if nested and not any(p.suffix in (".yaml", ".yml") for p in path.iterdir()):
            return nested
    # Anything else is loaded as given: a missing path fails with the loader's SpecError.
    return [path]
