"""Spec folders for tests: a valid spec, its prompt and tools module, and problem rendering."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from keel.errors import SpecError
from keel.spec import load_spec

VALID_SPEC = """\
apiVersion: keel/v1
kind: Agent
metadata:
  name: support
  version: 1.2.0
spec:
  instructions:
    file: prompt.md
    version: "3"
  model:
    primary: rules
    rules:
      intents:
        - intent: lookup
          patterns: ['order (\\d+)']
          calls:
            - tool: lookup_order
              args: {order_id: "{input}"}
          answer: "Order status: {lookup_order}"
  tools:
    - tools:lookup_order
    - ref: tools:search_kb
      name: search
  limits:
    max_steps: 8
"""

PROMPT = "You are the support agent.\n"

TOOLS_PY = '''\
def lookup_order(order_id: str) -> str:
    """Look up an order."""
    return "shipped"


def search_kb(query: str) -> list[str]:
    """Search the knowledge base."""
    return []
'''

MakeAgent = Callable[..., Path]


def write_files(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` (relative path → text or bytes) under ``folder``."""
    for rel, content in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def problems(path: Path) -> list[str]:
    """Load ``path`` expecting a ``SpecError``; its problems as ``file:line:col: message``.

    File names are shown relative to the spec's folder, so tests compare exact text.
    """
    with pytest.raises(SpecError) as info:
        load_spec(path)
    prefix = str(path.parent) + "/"
    return [str(p).removeprefix(prefix) for p in info.value.problems]
