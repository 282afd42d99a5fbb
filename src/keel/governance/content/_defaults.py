"""The default content rules: short, precise, English, and meant to be extended by the spec.

Four categories, chosen for a support or helpdesk agent:

* ``self_harm`` — a person saying they may hurt themselves. At input only, and the
  action is ``escalate``: a human should answer, not a filter. An assistant's answer
  that mentions a crisis line must not trip it, hence no output stage.
* ``violence_threat`` — a threat to hurt people or a place. ``escalate`` at input (the
  threat is the signal; security may need to know), ``block`` at output.
* ``credentials_solicitation`` — asking someone for a password, one-time code, CVV or
  recovery phrase. A legitimate agent never does; an answer that does was steered by an
  attacker. ``block`` at output, ``flag`` at input.
* ``hate`` — dehumanising language about people and calls for their extermination.
  ``flag`` at input, ``block`` at output. Keel ships no slur list: an organisation that
  wants one adds it to this category's ``keywords`` in its spec, in the languages it
  serves.

The lists aim for precision over recall; ``tests/governance/test_content_rules.py``
holds the support messages they must leave alone ("kill the process", "the build is
dead", "send me your logs").
"""

from __future__ import annotations

from keel.governance.content._rules import ContentRule

DEFAULT_RULES: dict[str, ContentRule] = {
    "self_harm": ContentRule(
        description="a person saying they may hurt or kill themselves",
        keywords=(
            "kill myself",
            "killing myself",
            "end my life",
            "ending my life",
            "take my own life",
            "want to die",
            "wanna die",
            "suicidal",
            "commit suicide",
            "hurt myself",
            "hurting myself",
            "self-harm",
            "self harm",
            "cut myself",
            "no reason to live",
            "better off dead",
        ),
        action="escalate",
        stages=("input",),
    ),
    "violence_threat": ContentRule(
        description="a threat to hurt people or attack a place",
        patterns=(
            r"\b(?:i\s*(?:'m|am)?|we\s*(?:'re|are)?)\s+(?:going\s+to|gonna|will|'ll)\s+(?:come\s+"
            r"(?:down\s+)?(?:there\s+)?and\s+)?(?:kill|shoot|stab|murder|strangle|beat\s+up|hurt|"
            r"attack)\s+(?:you|him|her|them|everyone|everybody|somebody|someone|your\s+\w+)\b",
            r"\b(?:bring|brought|bringing)\s+(?:a|my)\s+(?:gun|knife|rifle|weapon|bomb)\s+(?:to|into)\b",
            r"\b(?:bomb|blow\s+up|shoot\s+up|burn\s+down)\s+(?:the|your)\s+(?:office|building|school|"
            r"store|shop|branch|headquarters|hq|warehouse|place)\b",
            r"\b(?:you\s+should|go)\s+kill\s+yourself\b|\bkys\b",
            r"\byou(?:'re|\s+are)\s+(?:going\s+to\s+|gonna\s+)?(?:be\s+)?dead\s+(?:meat|soon|"
            r"tomorrow|tonight)\b",
        ),
        action={"input": "escalate", "output": "block"},
    ),
    "credentials_solicitation": ContentRule(
        description="asking for a password, one-time code, card security code or recovery phrase",
        patterns=(
            r"\b(?:send|give|tell|provide|share|confirm|type|enter|reply\s+with|email|text|read\s+"
            r"out|verify)\s+(?:me|us)?\s*(?:with\s+)?(?:your|the|their|his|her)\s+(?:full\s+|current\s+|"
            r"account\s+|login\s+|admin\s+)?(?:password|passcode|passphrase|pin(?:\s+code)?|one[-\s]time"
            r"\s+(?:pass)?code|otp|(?:2fa|mfa|sms|verification|security|authentication)\s+code|cvv|"
            r"cvc|card\s+security\s+code|full\s+card\s+number|recovery\s+(?:phrase|codes?)|seed\s+"
            r"phrase|private\s+key|secret\s+key)\b",
            r"\bwhat\s+is\s+your\s+(?:current\s+)?(?:password|passcode|pin|cvv|one[-\s]time\s+code"
            r"|recovery\s+phrase|seed\s+phrase)\b",
        ),
        action={"input": "flag", "output": "block"},
    ),
    "hate": ContentRule(
        description="dehumanising language about people, or calls for their extermination",
        patterns=(
            r"\b(?:they|them|those\s+people|these\s+people|(?:\w+\s+)?(?:people|immigrants|"
            r"refugees|foreigners|migrants))\s+(?:are|is)\s+(?:all\s+)?(?:vermin|subhuman|"
            r"sub-human|parasites|cockroaches|rats|an?\s+(?:disease|infestation|plague))\b",
            r"\b(?:they|them|those\s+people|these\s+people|(?:\w+\s+)?(?:people|immigrants|refugees|"
            r"foreigners|migrants))\s+(?:all\s+)?(?:should|must|deserve\s+to|ought\s+to|need\s+to)\s+"
            r"(?:all\s+)?(?:be\s+)?(?:exterminated|wiped\s+out|gassed|eradicated|lynched|ethnically\s+"
            r"cleansed)\b",
        ),
        action={"input": "flag", "output": "block"},
    ),
}
