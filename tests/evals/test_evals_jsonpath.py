"""The JSONPath subset of ``json_path`` expectations."""

from __future__ import annotations

import re

import pytest

from keel.evals._jsonpath import JsonPath

DOC = {
    "order": {
        "id": "A-17",
        "items": [{"sku": "kb-1", "qty": 2}, {"sku": "m-9", "qty": 1, "tags": ["x"]}],
        "ship to": {"city": "Lyon"},
    },
    "id": "root",
}


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("$", [DOC]),
        ("$.order.id", ["A-17"]),
        ("$['order']['id']", ["A-17"]),
        ('$["order"]["ship to"].city', ["Lyon"]),
        ("$.order.items[0].sku", ["kb-1"]),
        ("$.order.items[-1].qty", [1]),
        ("$.order.items[5]", []),
        ("$.order.items[*].sku", ["kb-1", "m-9"]),
        ("$.order.items.*.qty", [2, 1]),
        ("$..id", ["root", "A-17"]),  # a value's own keys before deeper ones
        ("$..qty", [2, 1]),
        ("$..[0]", [{"sku": "kb-1", "qty": 2}, "x"]),
        ("$.order.missing.deeper", []),
        ("$.id.notamapping", []),
    ],
)
def test_paths_find_values_depth_first(path: str, found: list[object]) -> None:
    assert JsonPath.parse(path).find(DOC) == found


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("order.id", "must start with '$'"),
        ("$.", "expected a name or '*' after '.' at character 3"),
        ("$[?(@.qty>1)]", "expected [0], [-1], ['name'] or [*] at character 2"),
        ("$..", "expected a name, '*' or '[' after '..' at character 4"),
        ("$order", "expected '.', '..' or '[' at character 2"),
    ],
)
def test_what_the_subset_does_not_read(path: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        JsonPath.parse(path)
