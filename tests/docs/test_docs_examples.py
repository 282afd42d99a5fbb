"""Every ```python block in README.md and docs/*.md runs, and prints what the page says.

Blocks of one page run in order in one namespace (a later block may use an earlier
one's names), in a fresh folder holding a copy of ``examples/``, with Keel's and the
providers' environment variables cleared, as on a fresh machine without keys. A
```text block directly after a python block is that block's exact output.
Tracebacks point at the page's own line numbers.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from doc_pages import ROOT, anchors, code_blocks, follows_directly, pages, rel

_ENV = re.compile(r"^(KEEL_|OPENAI_|ANTHROPIC_|HELPDESK_)")
_RUNNABLE = [p for p in pages() if any(b.lang == "python" for b in code_blocks(p.read_text()))]


@pytest.fixture
def fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if _ENV.match(name):
            monkeypatch.delenv(name)
    shutil.copytree(
        ROOT / "examples",
        tmp_path / "examples",
        ignore=shutil.ignore_patterns("__pycache__", ".keel"),
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_docs_have_python_examples() -> None:
    names = {rel(p) for p in _RUNNABLE}
    assert {"README.md", "docs/runtime.md", "docs/tools.md"} <= names


@pytest.mark.parametrize("page", _RUNNABLE, ids=rel)
def test_python_examples_run(page: Path, fresh_folder: Path) -> None:
    text = page.read_text()
    blocks = code_blocks(text)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for i, block in enumerate(blocks):
        if block.lang != "python":
            continue
        # Leading newlines make tracebacks report the page's line numbers.
        code = compile("\n" * (block.line - 1) + block.code, str(page), "exec")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if after is not None and after.lang == "text" and follows_directly(text, block, after):
            assert out.getvalue().rstrip("\n") == after.code.rstrip("\n"), (
                f"{rel(page)}:{after.line}: the output shown differs from what the example "
                f"at line {block.line} prints"
            )


_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", pages(), ids=rel)
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text()
    in_code = False
    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        for target in _LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # http:, https:, mailto:
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            assert dest.exists(), f"{rel(page)}:{n}: link to missing {target!r}"
            if anchor and dest.suffix == ".md":
                assert anchor in anchors(dest.read_text()), (
                    f"{rel(page)}:{n}: no heading for anchor {target!r}"
                )
