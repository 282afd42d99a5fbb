"""Fine-tuning examples from feedback, in OpenAI's chat JSONL format.

Only runs whose feedback carries both the user's consent and a correction (or an
edit of the answer) that a person validated become examples: the request as the
store keeps it (PII masked for the journal) and the validated text as the
assistant's answer, masked again on the way out. One line per run, its latest
validated correction::

    {"messages": [{"role": "system", "content": "…"},
                  {"role": "user", "content": "…"},
                  {"role": "assistant", "content": "…"}]}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import and_, select

from keel.kpi.feedback import Masker, default_masker
from keel.store import Store
from keel.store.schema import feedback, runs

EXPORT_FORMATS = ("openai-jsonl",)


def finetune_examples(
    store: Store,
    *,
    tenant: str | None = None,
    all_tenants: bool = False,
    agent: str | None = None,
    since: float | None = None,
    system_prompt: Callable[[str, str | None], str | None] | None = None,
    mask: Masker | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one ``{"messages": [...]}`` example per eligible run, oldest first.

    ``system_prompt(agent, spec_path)`` supplies the agent's instructions for the
    system message (none when it returns ``None``); ``mask`` masks PII once more
    (default: Keel's default rules), so an example never carries what the store's
    masking let through.
    """
    masked = mask or default_masker()
    q = (
        select(
            feedback.c.run_id,
            feedback.c.text,
            feedback.c.created_at,
            runs.c.input,
            runs.c.agent,
            runs.c.spec_path,
        )
        .join(runs, runs.c.id == feedback.c.run_id)
        .where(
            and_(
                feedback.c.kind.in_(("correction", "edit")),
                feedback.c.consent == 1,
                feedback.c.validated_by.is_not(None),
                feedback.c.text.is_not(None),
            )
        )
        .order_by(feedback.c.run_id, feedback.c.created_at)
    )
    if not all_tenants:
        q = q.where(feedback.c.tenant.is_(None) if tenant is None else feedback.c.tenant == tenant)
    if agent is not None:
        q = q.where(runs.c.agent == agent)
    if since is not None:
        q = q.where(feedback.c.created_at >= since)
    latest: dict[str, Any] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(q).mappings():
            latest[row["run_id"]] = row  # ordered by time: the last one wins
    prompts: dict[tuple[str, str | None], str | None] = {}
    for row in sorted(latest.values(), key=lambda r: r["created_at"]):
        value = json.loads(row["input"])
        user = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        messages = []
        if system_prompt is not None:
            key = (row["agent"], row["spec_path"])
            if key not in prompts:
                prompts[key] = system_prompt(*key)
            if prompts[key]:
                messages.append({"role": "system", "content": prompts[key]})
        messages.append({"role": "user", "content": masked(user)})
        messages.append({"role": "assistant", "content": masked(row["text"])})
        yield {"messages": messages}


def write_jsonl(examples: Iterator[dict[str, Any]], write: Callable[[str], Any]) -> int:
    """Write one JSON document per line; return how many."""
    n = 0
    for example in examples:
        write(json.dumps(example, ensure_ascii=False) + "\n")
        n += 1
    return n
