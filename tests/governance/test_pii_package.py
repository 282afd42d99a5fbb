"""The package's documented example runs, and its public names are what it exports."""

from __future__ import annotations

import doctest

import keel.governance.pii as pii


def test_docstring_example_runs() -> None:
    result = doctest.testmod(pii, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert result.attempted >= 5
    assert result.failed == 0


def test_all_names_exist_and_are_public() -> None:
    for name in pii.__all__:
        assert getattr(pii, name) is not None
        assert not name.startswith("_")
    assert sorted(pii.__all__) == sorted(set(pii.__all__))
