"""docs/errors.md lists exactly ``keel.errors.ERROR_CODES``, each with the right class."""

from __future__ import annotations

from doc_pages import DOCS, code_span, sections, table_rows

import keel.errors
from keel.errors import ERROR_CODES, KeelError

ERRORS_MD = DOCS / "errors.md"


def _rows() -> list[tuple[int, list[str]]]:
    section = next(s for s in sections(ERRORS_MD.read_text()) if s.title == "Codes")
    return table_rows(section.body)


def test_every_error_code_has_exactly_one_row() -> None:
    codes = [code_span(cells[0]) for _, cells in _rows()]
    missing = set(ERROR_CODES) - set(codes)
    unknown = set(codes) - set(ERROR_CODES)
    assert not missing, f"docs/errors.md lacks rows for {sorted(missing)}"
    assert not unknown, f"docs/errors.md documents codes Keel does not have: {sorted(unknown)}"
    assert len(codes) == len(set(codes)), "a code has two rows"


def test_rows_follow_the_order_of_error_codes() -> None:
    assert [code_span(cells[0]) for _, cells in _rows()] == list(ERROR_CODES)


def test_classes_named_carry_their_code() -> None:
    for line, cells in _rows():
        code = code_span(cells[0])
        for name in [n.strip().strip("`") for n in cells[1].split(",") if "`" in n]:
            cls = getattr(keel.errors, name, None)
            assert isinstance(cls, type), f"docs/errors.md:{line}: no keel.errors.{name}"
            assert issubclass(cls, KeelError)
            assert cls.code == code, f"docs/errors.md:{line}: {name}.code is {cls.code}"
