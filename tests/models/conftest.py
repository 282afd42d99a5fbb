from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_providers import FakeProvider


@pytest.fixture
def fake() -> Iterator[FakeProvider]:
    """A scripted provider server, stopped after the test; it must have seen no errors."""
    server = FakeProvider().start()
    yield server
    server.stop()
    assert server.errors == []
