"""Prompt-injection scorer on Keel's labelled corpus: detection, false positives, speed.

For each split of ``keel.governance.injection.corpus`` — ``dev`` (the weights were
tuned on it) and ``test`` (held out: a hash of the text decides, ~40 %) — prints the
detection rate on attacks and the false-positive rate on benign messages, overall
and per category, at the policy threshold — and, so that figures stay comparable across
versions, for each generation of examples alone: the original ones, the ``markup``
cases appended later, the ``contrast`` cases appended after them (benign traffic
that quotes or names an attack, and attacks in the same clothes), the ``paired``
cases (look-alikes and attacks written in pairs, without looking at the scorer, to check
that it generalises beyond the cases it was tuned on), and the ``blind`` cases appended
last (written before any of them was scored: negation, orders for a person, reports,
product vocabulary), and the ``tuning`` cases (fresh look-alikes and attacks that are in
the dev split whatever their hash, so that adding them left the held-out split exactly as
it was: the test column shows ``-`` for them); then a reliability table (how often a
message in each score band is an attack) and the time per message, with the scorer's
literal gates on and off (identical verdicts; see ``_prefilter``), and for the texts a
governed run scores, with the quiet path on and off (identical verdicts; see
``_scorer._quiet``).

``--folds K`` instead prints the dev split cut into K folds by a hash of the text
(held-out texts are not read): the check that a change made while looking at some folds
holds on the others.

Goal (issue 3): >= 90 % detected at <= 2 % false positives, on the held-out split.

Usage: python benchmarks/injection.py [--threshold 0.5] [--misses dev|test] [--repeat 5]
       python benchmarks/injection.py --folds 2
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from keel.governance.injection import DEFAULT_THRESHOLD, _scorer, score
from keel.governance.injection._catalogue import Catalogue
from keel.governance.injection.corpus import Example, Split, examples

GOAL_DETECTION = 0.90
GOAL_FALSE_POSITIVES = 0.02
_BANDS = (0.0, 0.1, 0.3, 0.5, 0.8, 1.01)


def _rate(hits: int, total: int) -> str:
    return f"{hits / total:6.1%} ({hits}/{total})" if total else "     -"


_GENERATIONS = {
    "original": "original cases (before the markup cases were appended)",
    "markup": "markup cases only",
    "contrast": "contrast cases only (appended after the markup cases)",
    "paired": "paired cases only (appended after the contrast cases)",
    "blind": "blind cases only (appended after the paired cases)",
    "tuning": "tuning cases only (appended last; always dev, so the held-out split is unchanged)",
}


def _generation(e: Example) -> str:
    return e.technique if e.technique in _GENERATIONS else "original"


def evaluate(split: Split, threshold: float) -> dict[str, tuple[int, int]]:
    """``category -> (flagged, total)``, plus ``attacks`` and ``benign`` overall, and the
    same two per generation of examples (``original attacks``, ``contrast benign``...)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for e in examples(split):
        flagged = score(e.text, source=e.source).score >= threshold
        overall = "attacks" if e.label == "attack" else "benign"
        for key in (e.category, overall, f"{_generation(e)} {overall}"):
            counts[key][0] += flagged
            counts[key][1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def report(threshold: float) -> bool:
    """Print the detection table; True when the held-out split meets the goal."""
    results = {split: evaluate(split, threshold) for split in ("dev", "test")}
    attack_cats = sorted({e.category for e in examples() if e.label == "attack"})
    benign_cats = sorted({e.category for e in examples() if e.label == "benign"})
    print(f"threshold {threshold}\n")
    print(f"{'':24} {'dev':>20} {'test (held out)':>20}")
    print("detection rate (attacks flagged)")
    for cat in [*attack_cats, "attacks"]:
        label = "  all attacks" if cat == "attacks" else f"  {cat}"
        print(f"{label:24} {_rate(*results['dev'][cat]):>20} {_rate(*results['test'][cat]):>20}")
    print("false-positive rate (benign flagged)")
    for cat in [*benign_cats, "benign"]:
        label = "  all benign" if cat == "benign" else f"  {cat}"
        print(f"{label:24} {_rate(*results['dev'][cat]):>20} {_rate(*results['test'][cat]):>20}")
    for generation, title in _GENERATIONS.items():
        print(title)
        for overall in ("attacks", "benign"):
            key = f"{generation} {overall}"
            dev, test = (_rate(*results[split].get(key, (0, 0))) for split in ("dev", "test"))
            print(f"{'  ' + overall + ' flagged':24} {dev:>20} {test:>20}")
    hit, n = results["test"]["attacks"]
    fp, m = results["test"]["benign"]
    ok = hit / n >= GOAL_DETECTION and fp / m <= GOAL_FALSE_POSITIVES
    goal = f">= {GOAL_DETECTION:.0%} detected at <= {GOAL_FALSE_POSITIVES:.0%} false positives"
    print(f"\ngoal on held-out split ({goal}): {'met' if ok else 'NOT met'}")
    return ok


def reliability(split: Split) -> None:
    """Fraction of attacks per score band: is a 0.9 more often an attack than a 0.4?"""
    bands: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for e in examples(split):
        s = score(e.text, source=e.source).score
        band = next(i for i in range(len(_BANDS) - 1) if s < _BANDS[i + 1])
        bands[band][0] += e.label == "attack"
        bands[band][1] += 1
    print(f"\nreliability on {split}: share of attacks per score band")
    for i in range(len(_BANDS) - 1):
        attacks, total = bands[i]
        lo, hi = _BANDS[i], min(_BANDS[i + 1], 1.0)
        share = f"{attacks / total:6.1%}" if total else "     -"
        print(f"  [{lo:.1f}, {hi:.1f}{']' if hi == 1.0 else ')'}  {share}  of {total}")


# A realistic support message with no attack in it (343 characters): the common case.
SUPPORT_MESSAGE = (
    "Hi team, I ordered the blue standing desk (order 48213) two weeks ago and the tracking "
    "page still says label created. Could you check with the carrier and let me know when it "
    "will arrive? If it is lost, please send a replacement or refund my card. I also need an "
    "invoice with our company VAT number for the accounting department. Thanks, Maria"
)


@contextmanager
def _literal_gates(on: bool) -> Iterator[None]:
    """Score with the catalogue's literal gates on or off (same verdicts, see _prefilter)."""
    gated = _scorer.CATALOGUE
    if not on:
        _scorer.CATALOGUE = Catalogue(gated.patterns, prefilter=False)
    try:
        yield
    finally:
        _scorer.CATALOGUE = gated


def timing(repeat: int) -> None:
    """Time per message with the literal gates on and off, interleaved in one process."""
    corpus = examples()
    chars = sum(len(e.text) for e in corpus)
    best: dict[bool, list[float]] = {on: [float("inf")] * len(corpus) for on in (True, False)}
    support: dict[bool, float] = {True: float("inf"), False: float("inf")}
    for on in (True, False):  # warm-up: gates are derived on first use
        with _literal_gates(on):
            for e in corpus:
                score(e.text, source=e.source)
    for r in range(repeat):
        for on in (True, False) if r % 2 == 0 else (False, True):
            with _literal_gates(on):
                for i, e in enumerate(corpus):
                    t = time.perf_counter()
                    score(e.text, source=e.source)
                    best[on][i] = min(best[on][i], time.perf_counter() - t)
                for _ in range(20):
                    t = time.perf_counter()
                    score(SUPPORT_MESSAGE, source="user")
                    support[on] = min(support[on], time.perf_counter() - t)
    print(f"\ntime per message over {len(corpus)} messages (best of {repeat}, interleaved):")
    for on in (True, False):
        per_message = sorted(x * 1e6 for x in best[on])
        p99 = per_message[int(len(per_message) * 0.99) - 1]
        print(
            f"  literal gates {'on ' if on else 'off'}: "
            f"mean {statistics.fmean(per_message):.1f} us, "
            f"median {statistics.median(per_message):.1f} us, p99 {p99:.1f} us; "
            f"{sum(per_message) / chars * 1000:.1f} us per 1,000 characters; "
            f"{len(SUPPORT_MESSAGE)}-char support message {support[on] * 1e6:.1f} us"
        )


# The two texts a governed run of benchmarks/overhead.py scores, and a support message.
GOVERNED_TEXTS = (
    ("16-char request", "route ticket T-1", "user"),
    ("JSON tool result", '{"id": "T-1", "queue": "network"}', "tool"),
    ("300-char support message", SUPPORT_MESSAGE[:300], "user"),
)


def _never_quiet(text: str, reading: str, tokens: list[str], words: set[str]) -> bool:
    return False


def quiet_path_timing(repeat: int) -> None:
    """Per text, the scorer with the quiet path on and off, interleaved in one process."""
    quiet = _scorer._quiet
    best: dict[tuple[str, bool], float] = {}
    for r in range(max(repeat, 2)):
        for on in (True, False) if r % 2 == 0 else (False, True):
            _scorer._quiet = quiet if on else _never_quiet
            try:
                for name, text, source in GOVERNED_TEXTS:
                    t = time.perf_counter()
                    for _ in range(500):
                        score(text, source=source)  # type: ignore[arg-type]
                    per = (time.perf_counter() - t) / 500
                    best[name, on] = min(best.get((name, on), float("inf")), per)
            finally:
                _scorer._quiet = quiet
    print(f"\nquiet path on / off, best of {max(repeat, 2)} interleaved rounds of 500 calls:")
    for name, _, _ in GOVERNED_TEXTS:
        on, off = best[name, True] * 1e6, best[name, False] * 1e6
        print(f"  {name:26} {on:7.1f} us / {off:7.1f} us")


def folds(k: int, threshold: float) -> None:
    """The dev split in ``k`` folds by a hash of the text: flagged counts per fold."""
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for e in examples("dev"):
        digest = hashlib.sha256(("fold:" + e.text).encode("utf-8")).digest()
        fold = int.from_bytes(digest[:4], "big") % k
        flagged = score(e.text, source=e.source).score >= threshold
        for key in ((fold, f"{_generation(e)} {e.label}"), (fold, e.label)):
            counts[key][0] += flagged
            counts[key][1] += 1
    print(f"dev split in {k} folds (hash of the text), threshold {threshold}; flagged:")
    keys = sorted({key for _, key in counts}, key=lambda x: (x.count(" "), x))
    print(f"{'':22}" + "".join(f"{'fold ' + str(i):>18}" for i in range(k)))
    for key in keys:
        row = "".join(f"{_rate(*counts.get((i, key), (0, 0))):>18}" for i in range(k))
        print(f"  {key:20}{row}")


def misses(split: Split, threshold: float) -> None:
    wrong: list[tuple[Example, float]] = []
    for e in examples(split):
        s = score(e.text, source=e.source).score
        if (s >= threshold) != (e.label == "attack"):
            wrong.append((e, s))
    print(f"\nmisclassified on {split} ({len(wrong)}):")
    for e, s in wrong:
        print(f"  {s:.2f} {e.label:6} {e.category:20} {e.source:8} {e.text[:110]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--misses", choices=("dev", "test"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--folds", type=int, metavar="K", help="dev split only, in K folds")
    args = parser.parse_args()
    if args.folds:
        folds(args.folds, args.threshold)
        return
    report(args.threshold)
    reliability("dev")
    reliability("test")
    timing(args.repeat)
    quiet_path_timing(args.repeat)
    if args.misses:
        misses(args.misses, args.threshold)


if __name__ == "__main__":
    main()
