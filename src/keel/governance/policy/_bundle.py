"""A policy bundle on disk: Rego modules, their unit tests, data, and one hash.

Layout follows OPA's bundle convention: every ``*.rego`` under the folder is a
module (``*_test.rego`` ones are unit tests), and a ``data.json`` /
``data.yaml`` file contributes its object at the data path of its folder
(``limits/data.json`` lands under ``data.limits``). Hidden folders are skipped.

The hash is the bundle's version: SHA-256 over the policy modules (relative
path and bytes, sorted by path) and the merged data as canonical JSON. Test
modules are not part of it — they cannot change a decision — and neither is
where the folder lives.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import yaml

from keel.errors import SpecProblem, UserError

DEFAULT_PACK = Path(__file__).parent / "pack"

_DATA_FILES = ("data.json", "data.yaml", "data.yml")


class PolicyBundleError(UserError):
    """A bundle that cannot be loaded or compiled; ``problems`` are located."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(str(p) for p in problems),
            details={"problems": [p.to_dict() for p in problems]},
        )


@dataclass(frozen=True, slots=True)
class RegoModule:
    """One Rego file: its path relative to the bundle root, and its source."""

    path: str
    source: str


@dataclass(frozen=True, slots=True)
class PolicyBundle:
    """Policy modules, test modules and data, as loaded; ``hash`` is the version."""

    root: Path
    modules: tuple[RegoModule, ...]
    tests: tuple[RegoModule, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    hash: str = ""

    @classmethod
    def load(
        cls, root: str | Path | None = None, *, data: Mapping[str, Any] | None = None
    ) -> PolicyBundle:
        """Read the bundle under ``root`` (default: Keel's own policy pack).

        ``data`` (e.g. a spec's ``policies.data``) is merged over the bundle's
        data, its values winning, and is part of the hash. Raises
        ``PolicyBundleError`` for a missing folder, a folder without policies, an
        unreadable file, or data that is not an object or conflicts between files.
        """
        base = Path(root) if root is not None else DEFAULT_PACK
        if not base.is_dir():
            raise _error(base, "is not a folder of Rego policies")
        modules: list[RegoModule] = []
        tests: list[RegoModule] = []
        merged: dict[str, Any] = {}
        for path in sorted(_files(base)):
            rel = path.relative_to(base).as_posix()
            if path.suffix == ".rego":
                module = RegoModule(rel, _read(path))
                (tests if path.stem.endswith("_test") else modules).append(module)
            elif path.name in _DATA_FILES:
                prefix = path.parent.relative_to(base).parts
                _merge_file(merged, _nest(prefix, _load_data(path)), path)
        if not modules:
            raise _error(base, "holds no Rego policies (*.rego other than *_test.rego)")
        if data:
            merged = _override(merged, data)
        return cls(
            root=base,
            modules=tuple(modules),
            tests=tuple(tests),
            data=merged,
            hash=bundle_hash(modules, merged),
        )


def bundle_hash(modules: list[RegoModule] | tuple[RegoModule, ...], data: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` over the modules sorted by path, then the canonical data."""
    digest = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.path):
        digest.update(module.path.encode() + b"\0" + module.source.encode() + b"\0")
    digest.update(b"data\0" + canonical_json(data).encode())
    return "sha256:" + digest.hexdigest()


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, no NaN: equal documents give equal text.

    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)``, through one encoder built once (json.dumps builds one per call,
    most of its cost for a decision's memo key). Raises ``ValueError`` for NaN or
    infinity, ``TypeError`` for a value that is not JSON, ``RecursionError`` for a
    circular one.
    """
    if _encode is None:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    return "".join(_encode(value, 0))


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encode: Any = (
    None
    if c_make_encoder is None
    else c_make_encoder(None, _not_json, encode_basestring, None, ":", ",", True, False, False)
)


def _files(base: Path) -> list[Path]:
    found = []
    for path in base.rglob("*"):
        rel = path.relative_to(base).parts
        if any(part.startswith(".") for part in rel) or not path.is_file():
            continue
        if path.suffix == ".rego" or path.name in _DATA_FILES:
            found.append(path)
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise _error(path, f"cannot be read: {e}") from e


def _load_data(path: Path) -> dict[str, Any]:
    text = _read(path)
    try:
        value = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as e:
        raise PolicyBundleError([SpecProblem(str(path), e.lineno, e.colno, e.msg)]) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        col = None if mark is None else mark.column + 1
        raise PolicyBundleError([SpecProblem(str(path), line, col, str(e))]) from e
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _error(path, f"must hold an object, not {type(value).__name__}")
    return value


def _nest(prefix: tuple[str, ...], value: dict[str, Any]) -> dict[str, Any]:
    for part in reversed(prefix):
        value = {part: value}
    return value


def _merge_file(
    into: dict[str, Any], value: Mapping[str, Any], path: Path, at: str = "data"
) -> None:
    # Two files may fill different parts of one object; the same key twice is an
    # error, as in OPA, rather than a silent last-one-wins.
    for key, v in value.items():
        where = f"{at}.{key}"
        if key not in into:
            into[key] = v
        elif isinstance(into[key], dict) and isinstance(v, Mapping):
            _merge_file(into[key], v, path, where)
        else:
            raise _error(path, f"sets {where}, which another data file already sets")


def _override(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, v in over.items():
        if isinstance(v, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _override(merged[key], v)
        else:
            merged[key] = v
    return merged


def _error(path: Path, message: str) -> PolicyBundleError:
    return PolicyBundleError([SpecProblem(str(path), None, None, message)])
