"""``keel init``: a new agent project that validates and runs offline at once."""

from __future__ import annotations

import re
from pathlib import Path

from keel.errors import UserError

_AGENT = """\
apiVersion: keel/v1
kind: Agent
metadata:
  name: {name}
  version: 0.1.0
  owner: you@example.com
  description: A starter agent. Edit prompts/system.md and tools.py.
spec:
  instructions:
    file: prompts/system.md
    version: "1"
  model:
    # Uses OPENAI_API_KEY (and OPENAI_BASE_URL for any OpenAI-compatible server);
    # without a key, the rule-based fallback below answers.
    primary: openai:gpt-4o-mini
    fallbacks: [rules]
    parameters:
      temperature: 0
    rules:
      intents:
        - intent: greeting
          patterns: ["\\\\b(hello|hi|hey)\\\\b"]
          answer: "Hello! I am {name}. Ask me what time it is in a city."
        - intent: time
          patterns: ["\\\\btime\\\\b"]
          calls:
            - tool: city_time
              args: {{city: "{{input}}"}}
          answer: "{{results.city_time}}"
      default: "I can only greet you and tell the time for now."
  tools:
    - ref: tools:city_time
  limits:
    max_steps: 6
    max_tokens: 20000
    timeout_s: 60
"""

_PROMPT = """\
You are {name}, a concise assistant. Use the city_time tool when asked about time.
"""

_TOOLS = '''\
"""Tools of this agent: plain Python functions with type hints."""

from datetime import UTC, datetime

from keel.tools import tool


@tool(risk="read", idempotent=True, blocking=False)
def city_time(city: str) -> str:
    """Tell the current UTC time for the city the user mentioned.

    Args:
        city: the user's request or a city name.
    """
    return f"It is {datetime.now(UTC):%H:%M} UTC (you asked: {city})."
'''


def scaffold(directory: Path, *, name: str | None = None) -> list[Path]:
    """Write the starter files; refuses to overwrite an existing agent spec."""
    agent_name = name or re.sub(r"[^a-z0-9-]+", "-", directory.resolve().name.lower()).strip("-")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", agent_name or ""):
        raise UserError(f"cannot derive an agent name from {directory}; pass --name")
    spec = directory / "agent.yaml"
    if spec.exists():
        raise UserError(f"{spec} already exists; choose another folder")
    files = {
        spec: _AGENT.format(name=agent_name),
        directory / "prompts" / "system.md": _PROMPT.format(name=agent_name),
        directory / "tools.py": _TOOLS,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)
