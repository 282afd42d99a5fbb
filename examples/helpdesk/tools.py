"""Tools of the helpdesk example: a local knowledge base, a user directory, tickets.

Tickets and password-reset events are appended to JSON-lines files under
``$HELPDESK_DATA_DIR`` (default ``./.keel/helpdesk``), standing in for a ticketing
system and an identity provider.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from keel.tools import ToolContext, tool

_HERE = Path(__file__).parent
_ARTICLES = json.loads((_HERE / "kb" / "articles.json").read_text(encoding="utf-8"))
_USERS = json.loads((_HERE / "kb" / "users.json").read_text(encoding="utf-8"))
_WORD = re.compile(r"[a-z0-9]+")


def _data_dir() -> Path:
    path = Path(os.environ.get("HELPDESK_DATA_DIR", ".keel/helpdesk"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _append(name: str, record: dict[str, object]) -> None:
    with (_data_dir() / name).open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


@tool(risk="read", idempotent=True, timeout_s=5, blocking=False)
def search_kb(
    query: Annotated[str, Field(max_length=2000)], limit: int = 3
) -> list[dict[str, str]]:
    """Search the IT knowledge base; best matches first.

    Args:
        query: the problem in the user's words.
        limit: how many articles to return (1-5).
    """
    words = set(_WORD.findall(query.lower()))
    scored = []
    for article in _ARTICLES:
        text = set(_WORD.findall((article["title"] + " " + " ".join(article["tags"])).lower()))
        score = len(words & text) + 2 * len(words & set(article["tags"]))
        if score:
            scored.append((score, article["id"], article))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [
        {"id": a["id"], "title": a["title"], "summary": a["summary"]}
        for _, _, a in scored[: max(1, min(limit, 5))]
    ]


@tool(risk="read", idempotent=True, timeout_s=5, blocking=False)
def lookup_user(
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")],
) -> dict[str, str]:
    """Look up an employee in the directory by username.

    Args:
        username: the account name, e.g. jdoe.
    """
    user = _USERS.get(username.lower())
    if user is None:
        raise ValueError(f"no user {username!r} in the directory")
    return dict(user)


@tool(risk="write", idempotent=False, timeout_s=10, scopes=("tickets:write",))
def create_ticket(
    summary: Annotated[str, Field(min_length=3, max_length=500)],
    category: Literal["network", "email", "facilities", "accounts", "other"],
    priority: Literal["low", "normal", "high"] = "normal",
    *,
    context: ToolContext,
) -> dict[str, str]:
    """Open a ticket with the team that owns the category.

    Args:
        summary: one line describing the problem.
        category: which team should handle it.
        priority: how urgent it is.
    """
    ticket_id = "INC-" + context.idempotency_key.replace(":", "-")[-10:].upper()
    _append(
        "tickets.jsonl",
        {
            "id": ticket_id,
            "summary": summary,
            "category": category,
            "priority": priority,
            "idempotency_key": context.idempotency_key,
        },
    )
    return {"id": ticket_id, "status": "open", "category": category}


@tool(risk="irreversible", idempotent=False, timeout_s=10, scopes=("accounts:reset",))
def reset_password(
    username: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")],
    *,
    context: ToolContext,
) -> dict[str, str]:
    """Reset a user's password and send them a one-time sign-in link.

    Args:
        username: the account to reset.
    """
    user = _USERS.get(username.lower())
    if user is None:
        raise ValueError(f"no user {username!r} in the directory")
    _append(
        "password_resets.jsonl", {"username": username, "idempotency_key": context.idempotency_key}
    )
    return {"username": username, "message": "a one-time sign-in link was sent to the user's phone"}
