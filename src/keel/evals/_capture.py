"""``keel eval capture RUN_ID``: a real run becomes a regression case in a suite file.

The case is built from what the store kept of the run — its input and answer as
masked for the journal, the tools that ran, how it ended — with secrets redacted
once more. A run in a session becomes a multi-turn case: the session's earlier
turns, then this one with the expectations. An answer from a deterministic model
(rules, scripted) must come back the same, except for generated identifiers (a
ticket number made from the run id); every answer is kept as the ``reference`` an
LLM judge compares against.

The case is appended to the suite's ``cases:`` list as text, so the file's comments
and layout stay as they were; the new file is validated before it replaces the old.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from keel.audit.redact import redact
from keel.errors import Conflict, NotFound, UserError
from keel.evals._files import write_atomic
from keel.evals._loading import load_suite, parse_suite
from keel.store import RunRecord, Store

CAPTURED_SUITE = Path("evals") / "captured.yaml"
"""Where captured cases go by default, relative to the run's agent spec folder."""

_HEADER = (
    "# Regression cases captured from real runs (`keel eval capture RUN_ID`).\n"
    "# Edit the expectations freely; inputs and answers are masked as the store keeps them.\n"
    "name: captured\n"
    "tags: [captured]\n"
    "cases:\n"
)
_DETERMINISTIC = ("rules:", "scripted:")
_IDENTIFIER = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{6,}(?![\w-])")


@dataclass(frozen=True, slots=True)
class Captured:
    """Where the case went and what it is."""

    path: Path
    case_id: str
    case: dict[str, Any]


def capture_run(store: Store, run_id: str, *, suite: Path | None = None) -> Captured:
    """Append a regression case made from run ``run_id`` (a unique prefix will do).

    ``suite`` defaults to ``evals/captured.yaml`` beside the run's agent spec, created
    if missing. Raises ``NotFound`` for no such run, ``UserError`` for an ambiguous
    prefix, a run still in progress, no suite to write to or a suite that is not
    valid, and ``Conflict`` when the run was captured into that suite already.
    """
    found = store.runs.find(run_id)
    if not found:
        raise NotFound(f"no run {run_id!r}")
    if len(found) > 1:
        raise UserError(f"{run_id!r} matches several runs; give more characters")
    rec = found[0]
    if rec.status in ("queued", "running"):
        raise UserError(f"run {rec.id} is still {rec.status}; capture it once it has finished")
    path = suite or _default_suite(rec)
    case = build_case(store, rec)
    text = path.read_text(encoding="utf-8") if path.exists() else _HEADER
    if path.exists():
        existing = load_suite(path)
        if any(c.id == case["id"] for c in existing.suite.cases):
            raise Conflict(f"run {rec.id} is already captured in {path} as {case['id']!r}")
    new_text = append_case(text, case, file=path)
    parse_suite(new_text, file=path)  # never write a suite that would not load
    write_atomic(path, new_text)
    return Captured(path, case["id"], case)


def build_case(store: Store, rec: RunRecord) -> dict[str, Any]:
    """The case for ``rec`` as plain data (see the module doc)."""
    tools = [s.name for s in store.runs.steps(rec.id) if s.kind == "tool"]
    expect: dict[str, Any] = {"status": rec.status}
    if rec.error_code and rec.status != "awaiting_approval":
        expect["error_code"] = rec.error_code
    if rec.status == "awaiting_approval":
        expect["approval_requested"] = True
    if tools:
        expect["tools_called"] = list(dict.fromkeys(tools))
    output = redact(rec.output)
    deterministic = (rec.model_used or "").startswith(_DETERMINISTIC)
    if rec.status == "completed" and isinstance(output, str) and deterministic:
        expect["matches"] = answer_pattern(output)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(rec.created_at))
    case: dict[str, Any] = {
        "id": f"captured-{rec.id}",
        "description": f"run {rec.id} of {rec.agent}@{rec.agent_version}, {when}",
    }
    earlier = []
    if rec.session_id is not None:
        earlier = store.runs.session_turns(rec.session_id, limit=50, before=rec.created_at)
    if earlier:
        case["turns"] = [{"input": redact(user)} for user, _ in earlier]
        case["turns"].append({"input": redact(rec.input), "expect": expect})
    else:
        case["input"] = redact(rec.input)
        case["expect"] = expect
    if rec.principal is not None and rec.principal.get("roles"):
        case["roles"] = list(rec.principal["roles"])
    if rec.tenant is not None:
        case["tenant"] = rec.tenant
    if rec.status == "completed" and isinstance(output, str):
        case["reference"] = output
    return case


def answer_pattern(answer: str) -> str:
    """A regular expression matching ``answer`` whole, where each generated identifier
    (a word of 6+ letters and digits mixed, like ``INC-6AXZHZ3M-3``) may differ."""
    parts: list[str] = []
    cursor = 0
    for m in _IDENTIFIER.finditer(answer):
        parts.append(re.escape(answer[cursor : m.start()]))
        parts.append(r"[\w-]+")
        cursor = m.end()
    parts.append(re.escape(answer[cursor:]))
    # re.escape escapes spaces too; unescaped they read better and mean the same.
    return "^" + "".join(parts).replace("\\ ", " ") + "$"


def append_case(text: str, case: dict[str, Any], *, file: Path) -> str:
    """``text`` (a suite) with ``case`` added at the end of its ``cases:`` list."""
    item = yaml.safe_dump([case], sort_keys=False, allow_unicode=True, width=100)
    root = yaml.compose(text, Loader=yaml.SafeLoader) if text.strip() else None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise UserError(f"{file}: a suite is a mapping with 'cases:'; cannot append to it")
    cases = None
    if root is not None:
        cases = next((v for k, v in root.value if k.value == "cases"), None)
    if cases is None:
        sep = "" if not text or text.endswith("\n") else "\n"
        return text + sep + "cases:\n" + _indent(item, 2)
    if isinstance(cases, yaml.ScalarNode) and cases.tag.endswith(":null"):
        # 'cases:' with nothing under it yet: the first item goes on the next line.
        after = text.find("\n", cases.start_mark.index)
        cut = len(text) if after < 0 else after + 1
        head = text[:cut] if after >= 0 else text + "\n"
        return head + _indent(item, 2) + text[cut:]
    if not isinstance(cases, yaml.SequenceNode) or cases.flow_style or not cases.value:
        raise UserError(
            f"{file}:{cases.start_mark.line + 1}: 'cases' must be a block list (one '- ' "
            "item per case) to append to; rewrite it that way or pass another --suite"
        )
    indent = cases.start_mark.column
    cut = _end_of_list(text, cases.end_mark.index, indent)
    head = text[:cut]
    if head and not head.endswith("\n"):
        head += "\n"
    return head + _indent(item, indent) + text[cut:]


def _end_of_list(text: str, end: int, indent: int) -> int:
    """Where to insert after a block list whose node ends at ``end``: after its last
    line with content, before blank lines and comments that introduce what follows
    (those indented no deeper than the list's dashes)."""
    lines = text[:end].splitlines(keepends=True)
    if end < len(text) and lines and not lines[-1].endswith("\n"):
        lines.pop()  # the start of the next key's own line
    while lines:
        stripped = lines[-1].strip()
        column = len(lines[-1]) - len(lines[-1].lstrip())
        if stripped and not (stripped.startswith("#") and column <= indent):
            break
        lines.pop()
    return sum(len(line) for line in lines)


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def _default_suite(rec: RunRecord) -> Path:
    if not rec.spec_path:
        raise UserError(
            f"run {rec.id} has no agent spec recorded; name the suite file with --suite"
        )
    return Path(rec.spec_path).parent / CAPTURED_SUITE
