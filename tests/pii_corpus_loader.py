"""The labelled PII corpus that ``benchmarks/pii_corpus.py`` generates, for tests.
Imported as ``pii_corpus_loader`` (``tests/`` is on the path through
``tests/conftest.py``)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

CORPUS_FILE = Path(__file__).resolve().parents[1] / "benchmarks" / "pii_corpus.py"


@contextmanager
def pii_corpus() -> Iterator[ModuleType]:
    """The benchmark's corpus module, registered as ``pii_corpus`` while in use (its
    dataclasses look their module up by name)."""
    spec = importlib.util.spec_from_file_location("pii_corpus", CORPUS_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pii_corpus"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["pii_corpus"]


def corpus_texts(n: int, *, seed: int) -> list[str]:
    """The texts of ``n`` generated messages."""
    with pii_corpus() as module:
        return [m.text for m in module.generate(n, seed=seed)]
