"""docs/api.md lists exactly the routes the app serves, and its status table is the
one keel.api.envelope.STATUS says."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from doc_pages import ROOT

from keel.agent import Agent
from keel.api.app import create_app, service_for
from keel.api.envelope import STATUS
from keel.api.registry import AgentRegistry
from keel.config import Settings
from keel.models import ScriptedModel

PAGE = (ROOT / "docs" / "api.md").read_text()


def _served_routes() -> set[str]:
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="keel-docs-api-")))
    svc = service_for(settings, AgentRegistry([Agent.define("a", model=ScriptedModel(["x"]))]))
    try:
        doc = create_app(svc).openapi()
    finally:
        svc.store.close()
    return {f"{m.upper()} {path}" for path, item in doc["paths"].items() for m in item}


def test_the_endpoint_table_lists_every_route_and_only_those() -> None:
    documented = set(re.findall(r"^\| `((?:GET|POST|PUT|DELETE|PATCH) /[^`]*)` \|", PAGE, re.M))
    assert documented == _served_routes()


def test_the_status_table_is_the_envelope_table() -> None:
    section = PAGE[PAGE.index("| HTTP status | codes |") :]
    rows = re.findall(r"^\| (\d{3}) \| (.+) \|$", section, re.M)
    documented = {
        code: int(status) for status, codes in rows for code in re.findall(r"`([A-Z_]+)`", codes)
    }
    assert documented == STATUS
