"""What token streaming costs, and what it buys, printed (no figures are asserted).

Rows:
  guard          CPU of the stream guard over one answer (a 2 KB support answer with
                 an e-mail address, split into word deltas as the scripted model
                 streams), against the same checks run once on the whole answer
                 (content rules, canary, PII masking) as ``final`` mode does
  runs/s         in-memory engine, default governance, a one-turn agent answering the
                 2 KB text: ``final``, ``tokens`` with nobody listening, and ``tokens``
                 with a listener (the model streams; every delta passes the guard)
  first text     a model that writes 50 deltas per second (a paced fake): when the
                 first governed text is available to a listener in ``tokens`` mode,
                 against when the answer is available at all in ``final`` mode

Rows that compare are measured in alternating rounds in one process, best round
kept, so that a noisy machine moves both alike.

Usage: python benchmarks/stream.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel
from keel.governance.governor import Governor
from keel.governance.policy import ModelCandidate
from keel.governance.stream_guard import StreamGuard
from keel.models import StreamEvent

PARAGRAPH = (
    "Thanks for reaching out about the VPN. Please restart the client, then sign in again "
    "with your usual account; if it still drops, write to it-help@example.com and quote "
    "ticket 48213 so that the network team can look at the logs from your laptop. "
)
ANSWER = (PARAGRAPH * 12)[:2048]
WORDS = re.findall(r"\S+\s*|\s+", ANSWER)


def governor() -> Governor:
    return Governor.default(
        models=[ModelCandidate("scripted:default", ())],
        hash_key=b"benchmark-key-of-32-bytes-length",
        canary_seed="bench",
    )


def best_of(rounds: int, *work: Callable[[], float]) -> list[float]:
    """Each callable's best (lowest) figure over ``rounds`` alternating rounds."""
    best = [float("inf")] * len(work)
    for _ in range(rounds):
        for i, w in enumerate(work):
            best[i] = min(best[i], w())
    return best


def guard_row(rounds: int) -> None:
    gov = governor()
    n = 20

    def streamed() -> float:
        started = time.perf_counter()
        for _ in range(n):
            guard = StreamGuard(gov)
            for w in WORDS:
                guard.feed(w)
            guard.finish()
        return (time.perf_counter() - started) / n

    def whole() -> float:
        started = time.perf_counter()
        for _ in range(n):
            gov.content.check(ANSWER, stage="output")
            assert gov.canary is not None
            gov.canary.leaked(ANSWER)
            gov.pii.mask(ANSWER, "output")
        return (time.perf_counter() - started) / n

    s, w = best_of(rounds, streamed, whole)
    print(
        f"guard        tokens {s * 1e3:6.2f} ms per 2 KB answer ({len(WORDS)} deltas, "
        f"{s / len(WORDS) * 1e6:.0f} us each)   final {w * 1e3:6.2f} ms   ratio {s / w:.1f}x"
    )


async def runs_row(rounds: int) -> None:
    n = 200
    final = Agent.define("final", model=ScriptedModel(lambda _r: ANSWER), governor=governor())
    tokens = Agent.define(
        "tokens", model=ScriptedModel(lambda _r: ANSWER), governor=governor(), stream="tokens"
    )
    engine = LocalEngine()

    async def rate(agent: Agent, listen: bool) -> float:
        started = time.perf_counter()
        for i in range(n):
            run_id = f"run_{agent.name}_{listen}_{i}"
            sub = engine.tokens.subscribe(run_id) if listen else None
            await engine.run(agent, "my vpn drops", run_id=run_id)
            if sub is not None:
                sub.drain()
                sub.close()
        return n / (time.perf_counter() - started)

    best = [0.0, 0.0, 0.0]
    for _ in range(rounds):
        for i, (agent, listen) in enumerate(((final, False), (tokens, False), (tokens, True))):
            best[i] = max(best[i], await rate(agent, listen))
    print(
        f"runs/s       final {best[0]:7.0f}   tokens, no listener {best[1]:7.0f}   "
        f"tokens, listened {best[2]:7.0f}"
    )


class Paced(ScriptedModel):
    """Writes its answer at ``per_s`` word deltas per second."""

    def __init__(self, answer: str, per_s: float) -> None:
        super().__init__(lambda _r: answer)
        self.delay = 1 / per_s

    async def request(self, request: ModelRequest) -> Any:
        response = await super().request(request)
        await asyncio.sleep(self.delay * len(WORDS[:100]))
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        response = await super().request(request)
        for w in WORDS[:100]:
            await asyncio.sleep(self.delay)
            yield StreamEvent("text", w)
        yield StreamEvent("done", response=response)


async def first_text_row() -> None:
    text = "".join(WORDS[:100])
    engine = LocalEngine()
    final = Agent.define("final", model=Paced(text, 50), governor=governor())
    tokens = Agent.define("tokens", model=Paced(text, 50), governor=governor(), stream="tokens")

    started = time.perf_counter()
    await engine.run(final, "my vpn drops")
    final_s = time.perf_counter() - started

    sub = engine.tokens.subscribe("run_first")
    started = time.perf_counter()
    task = asyncio.create_task(engine.run(tokens, "my vpn drops", run_id="run_first"))
    await sub.wait(60)
    first_s = time.perf_counter() - started
    await task
    done_s = time.perf_counter() - started
    sub.close()
    print(
        f"first text   tokens {first_s * 1e3:6.0f} ms (whole answer at {done_s * 1e3:.0f} ms)   "
        f"final {final_s * 1e3:6.0f} ms   (100 deltas at 50/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    guard_row(args.rounds)
    asyncio.run(runs_row(max(1, args.rounds // 2)))
    asyncio.run(first_text_row())


if __name__ == "__main__":
    main()
