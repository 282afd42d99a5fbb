"""Content rules: µs per check at input and output, before and after the literal prefilter.

Three messages: short (16 characters), a realistic support message (~300 characters)
and a long one (~2 KB, support prose repeated), each also checked in a non-ASCII
variant (a "é" appended: the prefilter stands aside and every regex runs). "Before" is
``ContentRules`` from a clean checkout (``--before``, default ``/tmp/mainwt/src``), loaded
in this process; without one it is this tree's ``ContentRules(..., prefilter=False)``,
which runs every regex as before. Before and after alternate round by round and the best
round counts, in process CPU time, so that other work on a shared machine weighs less.

Usage: python benchmarks/content.py [--rounds 7] [--calls 2000] [--before /tmp/mainwt/src]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keel.governance.content import DEFAULT_RULES, ContentRules

SHORT = "printer jammed!!"
REALISTIC = (
    "Hi team, since this morning I can't sign in to the billing portal. I reset my password "
    "twice, but the email with the reset link never arrives, and the chat widget just spins. "
    "Could you check what is going on with my account (ticket 48213)? I need last month's "
    "invoices before Friday because my manager is waiting for them. Thanks, Dana"
)
LONG = (REALISTIC + " ") * 6


def load_before(src: Path) -> Any:
    """``ContentRules`` of the checkout at ``src``, or ``None`` if there is none."""
    path = src / "keel" / "governance" / "content" / "_rules.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("keel_content_rules_before", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module.ContentRules(DEFAULT_RULES)


def best_us(check: Callable[[str], object], text: str, calls: int) -> float:
    t = time.process_time()
    for _ in range(calls):
        check(text)
    return (time.process_time() - t) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--before", type=Path, default=Path("/tmp/mainwt/src"))
    args = parser.parse_args()

    before = load_before(args.before)
    label = f"before ({args.before})" if before is not None else "before (prefilter=False)"
    if before is None:
        before = ContentRules(DEFAULT_RULES, prefilter=False)
    after = ContentRules.default()
    texts = {"short": SHORT, "realistic": REALISTIC, "long": LONG}
    texts |= {f"{name}+é": text + " é" for name, text in list(texts.items())}

    print(f"{label} vs after; best of {args.rounds} rounds x {args.calls} calls (CPU time)")
    print(f"{'message':<12} {'chars':>6} {'stage':<7} {'before µs':>10} {'after µs':>9} {'x':>6}")
    for name, text in texts.items():
        for stage in ("input", "output"):
            same = (
                before.check(text, stage=stage).to_dict()
                == after.check(text, stage=stage).to_dict()
            )
            assert same, (name, stage)
            calls = max(50, args.calls * 300 // max(len(text), 300))
            old = new = float("inf")
            for _ in range(args.rounds):
                old = min(old, best_us(lambda t, s=stage: before.check(t, stage=s), text, calls))
                new = min(new, best_us(lambda t, s=stage: after.check(t, stage=s), text, calls))
            print(
                f"{name:<12} {len(text):>6} {stage:<7} {old:>10.1f} {new:>9.1f} {old / new:>6.1f}"
            )


if __name__ == "__main__":
    main()
