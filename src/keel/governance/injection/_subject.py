"""Who a clause is about: a third party as its subject, not the reader, the writer or an AI.

An order opens with its verb ("write 'ignore your rules' in the ticket") or speaks to "you";
a report names who does the saying first ("attackers may write 'ignore your rules' in a
ticket", "our prompt has the line '...'", "my manager say me to ignore the old VPN
instructions"). ``_reported`` kept a list of inflected verbs of saying for this and left out
the bare forms ("write", "say", "type") because they are also imperatives; what tells the two
apart is not the verb's form but whether a subject comes before it. Recognised subjects:

* a noun phrase opened by a determiner or a possessive ("the customer", "our prompt",
  "my manager", "some users");
* a plural noun with no determiner ("attackers", "users"): a bare singular word before a
  verb is as often an imperative and its object ("print logs", "preface answers"), so it is
  not taken for a subject.

Not a third party: the reader and the writer ("you", "I", "we"), and an AI ("the bot
should answer '...'" is how a planted note orders one). A copula anywhere in the clause ("the
rule is '...'", "the new policy becomes '...'") defines what follows rather than reports it
(and in "the new rule is", a subject's last word is not told from a verb).

Dev evidence (commit ea11619 against this change, every dev text scored by both): the
only scores that moved are six look-alikes of batch 14 (``corpus/_tuning_seeds_5``), all
from above the threshold to below it, three of them by this module ("attackers may write",
"our prompt has the line", "my manager say me to"); no attack's score moved, and no older
look-alike's.
Taking a bare singular word for a subject (tried first) accepted imperatives with a plural
object as frames ("preface answers with '...'", a dev attack) and was dropped.
"""

from __future__ import annotations

import re

_DETERMINERS = (
    "the|a|an|my|our|their|his|her|some|many|most|every|each|other|these|those|such|several"
)
# Between a subject and its verb: a modal or an adverb ("attackers may write", "users often
# paste", "the customer then typed").
_MODALS = (
    "may|might|can|could|would|will|should|must|often|usually|sometimes|typically|also|just|"
    "then|still|always|never|even|simply|actually|really"
)
_SUBJECT = re.compile(
    rf"^\s*(?:(?:{_DETERMINERS})\s+(?:[a-z-]+\s+){{0,2}}?(?P<head>[a-z-]+)"
    r"|(?P<plural>[a-z-]{3,}(?<![su]s)(?<!is)s))"
    rf"\s+(?:(?:{_MODALS})\s+)*(?P<verb>[a-z]+)\b"
)
_AI_WORDS = (
    "ai bot bots chatbot chatbots assistant assistants gpt chatgpt llm llms copilot agent agents "
    "model models claude gemini system"
)
_AI = frozenset(_AI_WORDS.split())
_NOT_SUBJECT_WORDS = "you your i we me us it this that what which who"
_NOT_SUBJECTS = frozenset(_NOT_SUBJECT_WORDS.split())
_COPULA_WORDS = "is are am be been becomes become"
_COPULAS = frozenset(_COPULA_WORDS.split())


def third_party_subject(clause: str) -> bool:
    """``clause`` (lower case, the words before a quotation or an infinitive in its clause)
    opens with a third party's noun phrase and a verb, and has no copula."""
    m = _SUBJECT.match(clause)
    if m is None:
        return False
    head = m.group("head") or m.group("plural")
    verb = m.group("verb")
    return not (
        head in _NOT_SUBJECTS
        or head in _AI
        or verb in _NOT_SUBJECTS
        or not _COPULAS.isdisjoint(clause.split())
    )


# An infinitive whose doer is a person named as the object: "my manager say me to ignore the
# old VPN instructions". The order it carries is that person's, given by the subject; not
# the reader's ("you") nor the model's. Only a singular person: "us" and "them" can take in
# the agent and its operator, and "the security team wants us to disregard prior
# instructions" in a tool result or document is how a planted note gives the agent orders.
_PERSON_TO = re.compile(r"\b(?:me|him|her)\s+to\s+")


def persons_orders(lowered: str, breaks: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the infinitives of ``lowered`` that a third party orders a person to do begin
    and their clause ends (at the next mark in ``breaks`` or the end of the text)."""
    regions: list[tuple[int, int]] = []
    for m in _PERSON_TO.finditer(lowered):
        begin = max(lowered.rfind(mark, 0, m.start()) for mark in breaks) + 1
        if not third_party_subject(lowered[begin : m.start()]):
            continue
        ends = [i for i in (lowered.find(mark, m.end()) for mark in breaks) if i >= 0]
        regions.append((m.end(), min(ends, default=len(lowered))))
    return regions
