"""Load an agent spec from disk: find it, parse it, validate it, resolve what it references.

``load_spec`` either returns a complete ``LoadedSpec`` or raises ``SpecError``
listing every problem it found, each with the file, line and column to fix.
Checks run in two rounds: the document's shape first (all YAML and schema
problems together), then, for a well-formed spec, its references (all of them
together), since references can only be followed in a spec of the right shape.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from keel.errors import SpecError, SpecProblem
from keel.spec._references import resolve_references
from keel.spec._validation import validation_problems
from keel.spec._yaml import YamlDocument, parse_yaml
from keel.spec.model import AgentSpec

SPEC_FILE_NAMES = ("agent.yaml", "agent.yml")
"""The names that mark a folder's agent spec without looking inside other files."""

_HASH_SCHEME = b"keel-spec-hash/1"


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec with every reference resolved.

    ``tool_objects`` maps each exposed tool name to its Python object, in spec
    order. ``content_hash`` (``sha256:<hex>``) covers the canonical spec (the
    validated model, so comments and formatting do not count) and the bytes of
    every file in ``referenced_files``, each tagged with its path relative to
    the spec's folder, so a rename counts too.
    """

    spec: AgentSpec
    path: Path
    base_dir: Path
    instructions: str
    prompt_version: str
    tool_objects: dict[str, object]
    content_hash: str
    referenced_files: tuple[Path, ...]

    @property
    def name(self) -> str:
        return self.spec.metadata.name

    @property
    def version(self) -> str:
        return self.spec.metadata.version


def load_spec(path: str | Path) -> LoadedSpec:
    """Load the agent spec at ``path``: a spec file, or a folder holding one.

    In a folder the spec is ``agent.yaml`` or ``agent.yml``, else the one
    ``*.yaml``/``*.yml`` file whose ``kind`` is ``Agent``. Tool modules are
    executed afresh on every call (see ``keel.spec._tool_modules``).

    Raises ``SpecError`` with every problem found: no spec file (or several),
    unreadable or non-UTF-8 text, YAML syntax, an empty or non-mapping
    document, duplicate keys, unsafe tags, schema violations, and broken
    references (prompt file, tool modules and attributes, rule calls, JSON
    Schemas, policy bundle, eval suites).
    """
    spec_file = find_spec_file(Path(path))
    doc = _parse(spec_file)
    try:
        spec = AgentSpec.model_validate(doc.data)
    except ValidationError as e:
        raise SpecError(validation_problems(e, doc)) from e
    base_dir = spec_file.parent.resolve()
    refs = resolve_references(spec, doc, base_dir)
    if refs.problems:
        raise SpecError(sorted(refs.problems, key=lambda p: (p.line or 0, p.column or 0)))
    return LoadedSpec(
        spec=spec,
        path=spec_file.resolve(),
        base_dir=base_dir,
        instructions=refs.instructions,
        prompt_version=spec.spec.instructions.version,
        tool_objects=refs.tool_objects,
        content_hash=content_hash(spec, base_dir, refs.files.items()),
        referenced_files=tuple(refs.files),
    )


def content_hash(spec: AgentSpec, base_dir: Path, files: Iterable[tuple[Path, bytes]]) -> str:
    """``sha256:<hex>`` of the canonical spec and ``files`` tagged relative to ``base_dir``.

    Every part is length-prefixed so no two different inputs frame the same bytes;
    files are taken in path order so the order of references does not count twice.
    """
    canonical = json.dumps(
        spec.model_dump(mode="json", by_alias=True),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    digest = hashlib.sha256()

    def put(part: bytes) -> None:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)

    put(_HASH_SCHEME)
    put(canonical)
    tagged = sorted((Path(os.path.relpath(p, base_dir)).as_posix(), data) for p, data in files)
    for rel, data in tagged:
        put(rel.encode())
        put(data)
    return "sha256:" + digest.hexdigest()


def find_spec_file(path: Path) -> Path:
    """The spec file ``path`` names: itself if a file, else the agent spec in that folder.

    Raises ``SpecError`` when ``path`` does not exist, or the folder holds no
    agent spec or more than one.
    """
    if path.is_file():
        return path
    if not path.is_dir():
        raise _error(path, "no such file or folder")
    named = [path / n for n in SPEC_FILE_NAMES if (path / n).is_file()]
    if len(named) > 1:
        raise _error(path, "both agent.yaml and agent.yml exist; keep one of them")
    if named:
        return named[0]
    agents: list[Path] = []
    unreadable: list[str] = []
    candidates = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    for candidate in candidates:
        try:
            doc = _read_document(candidate)
        except SpecError:
            unreadable.append(candidate.name)
            continue
        if doc is not None and isinstance(doc.data, dict) and doc.data.get("kind") == "Agent":
            agents.append(candidate)
    if len(agents) > 1:
        names = ", ".join(a.name for a in agents)
        raise _error(
            path,
            f"several files have 'kind: Agent' ({names}); load one of them by its path, "
            "or name the one to use agent.yaml",
        )
    if not agents:
        message = "no agent spec here: no agent.yaml or agent.yml, and no *.yaml or *.yml file "
        message += "with 'kind: Agent'"
        if unreadable:
            message += f" (could not parse {', '.join(unreadable)})"
        raise _error(path, message)
    return agents[0]


def _parse(spec_file: Path) -> YamlDocument:
    doc = _read_document(spec_file)
    if doc is None:
        raise _error(
            spec_file, "the file is empty; an agent spec starts with 'apiVersion: keel/v1'"
        )
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        raise SpecError(
            [
                doc.problem(
                    (),
                    f"the document is {kind}; an agent spec is a mapping with the keys "
                    "apiVersion, kind, metadata and spec",
                )
            ]
        )
    return doc


def _read_document(spec_file: Path) -> YamlDocument | None:
    file = str(spec_file)
    try:
        raw = spec_file.read_bytes()
    except OSError as e:
        raise _error(spec_file, f"cannot read the file: {e.strerror}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise SpecError(
            [SpecProblem(file, line, None, f"not UTF-8 text (bad byte at offset {e.start})")]
        ) from e
    return parse_yaml(text, file=file)


def _error(path: Path, message: str) -> SpecError:
    return SpecError([SpecProblem(str(path), None, None, message)])
