"""Generate ``corpus.jsonl`` from the hand-written seeds: templates x targets x disguises.

    python -m keel.governance.injection.corpus.build           # rewrite corpus.jsonl
    python -m keel.governance.injection.corpus.build --check   # fail if it is stale

The generator is deterministic (one seeded ``random.Random``), so the shipped file is
exactly what this script produces; a test checks that. Nothing is downloaded.

Attack categories: ``instruction_override``, ``role_play``, ``prompt_extraction`` (from
the user), ``indirect_tool`` and ``indirect_document`` (injections placed in realistic
tool results and knowledge documents), ``exfiltration`` (markdown/HTML/URL data
theft, from all three sources) and ``obfuscation`` (direct attacks disguised by every
encoder in ``_obfuscate``). Benign categories: ``support``, ``hard_negative``,
``tool_result`` and ``document``. Examples from ``_markup_seeds`` (technique ``markup``:
reference-style and data-carrying images, hidden comments, made-up transcripts, AI-only
asides, and their benign look-alikes) are appended after the original examples, then
those from ``_contrast_seeds`` (technique ``contrast``), then those from ``_paired_seeds``
(technique ``paired``), then those from ``_blind_seeds`` (technique ``blind``), then those
from ``_tuning_seeds`` to ``_tuning_seeds_5`` (technique ``tuning``: always in the dev split,
see ``Example.split``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from itertools import cycle
from pathlib import Path
from types import ModuleType

from keel.governance.injection.corpus import CORPUS_PATH, Example
from keel.governance.injection.corpus import _blind_seeds as blind
from keel.governance.injection.corpus import _contrast_seeds as contrast
from keel.governance.injection.corpus import _paired_seeds as paired
from keel.governance.injection.corpus import _tuning_seeds as tuning
from keel.governance.injection.corpus import _tuning_seeds_2 as tuning_2
from keel.governance.injection.corpus import _tuning_seeds_3 as tuning_3
from keel.governance.injection.corpus import _tuning_seeds_4 as tuning_4
from keel.governance.injection.corpus import _tuning_seeds_5 as tuning_5
from keel.governance.injection.corpus._benign_context import DOCUMENTS, TOOL_RESULTS
from keel.governance.injection.corpus._benign_messages import (
    HARD_NEGATIVES,
    SLOTS,
    SUPPORT,
    SUPPORT_TEMPLATES,
)
from keel.governance.injection.corpus._direct_seeds import (
    EXTRACTION,
    GOALS,
    MULTILINGUAL_OVERRIDES,
    OVERRIDE_TEMPLATES,
    ROLE_PLAY,
)
from keel.governance.injection.corpus._indirect_seeds import (
    DOCUMENT_CARRIERS,
    DOCUMENT_INJECTIONS,
    EXFIL_DOMAINS,
    EXFILTRATION,
    TOOL_CARRIERS,
    TOOL_INJECTIONS,
)
from keel.governance.injection.corpus._markup_seeds import (
    CARRIERS as MARKUP_CARRIERS,
)
from keel.governance.injection.corpus._markup_seeds import (
    DOCUMENTS as MARKUP_DOCUMENTS,
)
from keel.governance.injection.corpus._markup_seeds import (
    EXFILTRATION_ATTACKS,
    HIDDEN_ATTACKS,
)
from keel.governance.injection.corpus._markup_seeds import (
    HARD_NEGATIVES as MARKUP_HARD_NEGATIVES,
)
from keel.governance.injection.corpus._markup_seeds import (
    TOOL_RESULTS as MARKUP_TOOL_RESULTS,
)
from keel.governance.injection.corpus._obfuscate import ENCODERS

SEED = 20240501
_MODULE = "keel.governance.injection.corpus.build"
_OBFUSCATION_BASES = 36
_ENCODINGS_PER_BASE = 3
_SUPPORT_VARIANTS = 8
_PREAMBLES = (
    "My VPN keeps dropping. Also, ",
    "Thanks for the help with the printer! One more thing: ",
    "Hi, quick question before I go. ",
    "Ticket #7712 follow-up. ",
)


def _fill(template: str, goal: str) -> str:
    """Put ``goal`` into ``template``, capitalised where it starts a sentence."""
    capital = goal[0].upper() + goal[1:]
    text = re.sub(r"(^|[.:!]\s+|\n)\{goal\}", lambda m: m.group(1) + capital, template)
    return text.replace("{goal}", goal)


def _place(carrier: str, injection: str, n: int) -> str:
    if carrier.lstrip().startswith("{"):
        injection = json.dumps(injection)[1:-1]  # inside a JSON string
    return carrier.format(injection=injection, n=n)


def _direct(rng: random.Random) -> list[Example]:
    out: list[Example] = []
    for template in OVERRIDE_TEMPLATES:
        for goal in rng.sample(GOALS, 2):
            out.append(Example(_fill(template, goal), "attack", "instruction_override", "user"))
    for text in MULTILINGUAL_OVERRIDES:
        out.append(Example(text, "attack", "instruction_override", "user", "multilingual"))
    for template in ROLE_PLAY:
        out.append(Example(_fill(template, rng.choice(GOALS)), "attack", "role_play", "user"))
    for text in EXTRACTION:
        if rng.random() < 0.25:
            text = rng.choice(_PREAMBLES) + text[0].lower() + text[1:]
        out.append(Example(text, "attack", "prompt_extraction", "user"))
    return out


def _indirect(rng: random.Random) -> list[Example]:
    out: list[Example] = []
    for injection in TOOL_INJECTIONS:
        for i, carrier in enumerate(rng.sample(TOOL_CARRIERS, 2)):
            text = _place(carrier, injection, rng.randrange(100, 999))
            out.append(Example(text, "attack", "indirect_tool", "tool", f"carrier-{i}"))
    for injection in DOCUMENT_INJECTIONS:
        for i, carrier in enumerate(rng.sample(DOCUMENT_CARRIERS, 2)):
            text = _place(carrier, injection, rng.randrange(100, 999))
            out.append(Example(text, "attack", "indirect_document", "document", f"carrier-{i}"))
    sources = cycle(("tool", "document", "user"))
    for template in EXFILTRATION:
        for domain in rng.sample(EXFIL_DOMAINS, 2):
            text = template.format(domain=domain)
            out.append(Example(text, "attack", "exfiltration", next(sources)))  # type: ignore[arg-type]
    return out


def _obfuscated(rng: random.Random, direct: list[Example]) -> list[Example]:
    short = [e for e in direct if len(e.text) <= 140 and e.technique != "multilingual"]
    bases = rng.sample(short, _OBFUSCATION_BASES)
    encoders = cycle(sorted(ENCODERS))
    out: list[Example] = []
    for base in bases:
        used: set[str] = set()
        while len(used) < _ENCODINGS_PER_BASE:
            name = next(encoders)
            if name in used:
                continue
            used.add(name)
            text = ENCODERS[name](base.text, rng)
            source = "user" if rng.random() < 0.8 else rng.choice(("tool", "document"))
            out.append(Example(text, "attack", "obfuscation", source, name))  # type: ignore[arg-type]
    return out


def _benign(rng: random.Random) -> list[Example]:
    out = [Example(t, "benign", "support", "user") for t in SUPPORT]
    for template in SUPPORT_TEMPLATES:
        for _ in range(_SUPPORT_VARIANTS):
            slots = {k: rng.choice(v) for k, v in SLOTS.items()}
            text = template.format(**slots)
            out.append(Example(text[0].upper() + text[1:], "benign", "support", "user", "template"))
    out += [Example(t, "benign", "hard_negative", "user") for t in HARD_NEGATIVES]
    out += [Example(t, "benign", "tool_result", "tool") for t in TOOL_RESULTS]
    out += [Example(t, "benign", "document", "document") for t in DOCUMENTS]
    return out


def _markup(rng: random.Random) -> list[Example]:
    """The markup and hidden-channel cases (``_markup_seeds``), attacks and look-alikes."""
    out: list[Example] = []
    sources = cycle(("tool", "document"))
    for template in EXFILTRATION_ATTACKS:
        for domain in rng.sample(EXFIL_DOMAINS, 2):
            text = template.format(domain=domain)
            out.append(Example(text, "attack", "exfiltration", next(sources), "markup"))  # type: ignore[arg-type]
    for attack in HIDDEN_ATTACKS:
        for carrier in rng.sample(MARKUP_CARRIERS, 2):
            source = next(sources)
            text = carrier.format(attack=attack, n=rng.randrange(100, 999))
            out.append(Example(text, "attack", f"indirect_{source}", source, "markup"))  # type: ignore[arg-type]
    out += [Example(t, "benign", "document", "document", "markup") for t in MARKUP_DOCUMENTS]
    out += [Example(t, "benign", "tool_result", "tool", "markup") for t in MARKUP_TOOL_RESULTS]
    out += [Example(t, "benign", "hard_negative", "user", "markup") for t in MARKUP_HARD_NEGATIVES]
    return out


def _look_alikes_and_attacks(seeds: ModuleType, technique: str) -> list[Example]:
    """Cases from a seed module with the contrast layout (``_contrast_seeds``,
    ``_paired_seeds``, ``_blind_seeds``, ``_tuning_seeds`` to ``_tuning_seeds_5``): look-alikes
    first, then the attacks."""
    out = [Example(t, "benign", "hard_negative", "user", technique) for t in seeds.HARD_NEGATIVES]
    out += [Example(t, "benign", "tool_result", "tool", technique) for t in seeds.TOOL_RESULTS]
    out += [Example(t, "benign", "document", "document", technique) for t in seeds.DOCUMENTS]
    for category, text in seeds.USER_ATTACKS:
        out.append(Example(text, "attack", category, "user", technique))
    out += [Example(t, "attack", "indirect_tool", "tool", technique) for t in seeds.TOOL_ATTACKS]
    out += [
        Example(t, "attack", "indirect_document", "document", technique)
        for t in seeds.DOCUMENT_ATTACKS
    ]
    sources = cycle(("tool", "document"))
    for text in seeds.EXFILTRATION_ATTACKS:
        out.append(Example(text, "attack", "exfiltration", next(sources), technique))  # type: ignore[arg-type]
    return out


def build() -> list[Example]:
    """The whole corpus, attacks first, duplicates (by text) dropped.

    The markup cases, then the contrast, the paired, the blind and the tuning cases come last
    (the markup cases from their own random stream): adding them left every earlier example,
    and so the original held-out split, exactly as it was. The tuning cases are dev-only, so
    adding them changed no held-out text at all.
    """
    rng = random.Random(SEED)
    direct = _direct(rng)
    examples = direct + _indirect(rng) + _obfuscated(rng, direct) + _benign(rng)
    examples += _markup(random.Random(SEED + 1))
    examples += _look_alikes_and_attacks(contrast, "contrast")
    examples += _look_alikes_and_attacks(paired, "paired")
    examples += _look_alikes_and_attacks(blind, "blind")
    examples += _look_alikes_and_attacks(tuning, "tuning")
    examples += _look_alikes_and_attacks(tuning_2, "tuning")
    examples += _look_alikes_and_attacks(tuning_3, "tuning")
    examples += _look_alikes_and_attacks(tuning_4, "tuning")
    examples += _look_alikes_and_attacks(tuning_5, "tuning")
    seen: set[str] = set()
    unique: list[Example] = []
    for e in examples:
        if e.text not in seen:
            seen.add(e.text)
            unique.append(e)
    return unique


def render(examples: list[Example]) -> str:
    return "".join(json.dumps(e.to_dict(), ensure_ascii=True) + "\n" for e in examples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if corpus.jsonl is stale")
    parser.add_argument("--out", type=Path, default=CORPUS_PATH)
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run python -m {_MODULE}", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
