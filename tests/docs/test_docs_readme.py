"""The README's promises about itself: the two commands first, links to every page."""

from __future__ import annotations

from doc_pages import DOCS, README, code_blocks, sections


def test_first_code_block_is_the_two_commands() -> None:
    first = code_blocks(README.read_text())[0]
    commands = [line.split("#", 1)[0].strip() for line in first.code.splitlines()]
    assert first.lang == "bash"
    assert commands == ["./run demo", "./run test"]


def test_the_title_and_the_commands_come_first() -> None:
    lines = README.read_text().splitlines()
    assert lines[0] == "# Keel"
    assert lines[2] == "```bash"
    assert lines[3].startswith("./run demo")
    assert lines[4].startswith("./run test")


def test_readme_has_a_performance_section() -> None:
    assert "Performance" in [s.title for s in sections(README.read_text())]


def test_readme_links_every_docs_page() -> None:
    text = README.read_text()
    for page in sorted(DOCS.glob("*.md")):
        if page.name == "audit.md":
            continue  # written by the audit package's authors, who decide where it is linked
        assert f"(docs/{page.name})" in text, f"README.md does not link docs/{page.name}"
