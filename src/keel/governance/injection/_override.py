"""Instruction override: text that tells the model to drop the instructions it was given.

Each pattern names the *object* of the attack, not just the verb: "ignore all previous
instructions" overrides, "please ignore my previous ticket" does not. Weights are
``(user, tool, document)``.
"""

from __future__ import annotations

from keel.governance.injection._catalogue import Pattern, pattern
from keel.governance.injection._reported import RELAY, RELAY_AGAIN
from keel.governance.injection._vocabulary import (
    AI,
    DET,
    IGNORE,
    IGNORE_WORDS,
    NOT_BY_THIRD_PARTY,
    OF_A_THING,
    OWNED_BY_USER,
    PRIOR,
    RULES,
)

_ARE = r"(?:have\s+been|has\s+been|are|were|is)\s+(?:now\s+|hereby\s+)?"
# Words that end instructions. "Outdated" and "wrong" also describe a manual a user
# complains about, so they count only for the model's own ("your") instructions.
_CANCELLED = (
    r"(?:revoked|cancell?ed|void|voided|lifted|null|nullified|disabled|suspended|removed|gone|"
    r"deleted|erased|wiped|superseded|no\s+longer\s+(?:valid|in\s+effect|active))"
)
_REVOKED = rf"(?:{_CANCELLED}|obsolete|outdated|invalid|deprecated|fake|wrong)"
# A bare "overrides rules" is an override rule set; the attack names whose rules it beats.
_SUPERSEDED = r"previous|prior|other|earlier|original|system|existing|developer|old|current"
_QUESTION = r"\b(?:should|shall|do|can|must|may|did|would)\s+(?:i|we)\b|\bhow\s+(?:do|can|should)\b"
_AUTHORITY = r"system|admin|administrator|developer|root|sudo|master|god|manager|supervisor"
# A message of someone else's, not the model's own prompt ("the system message", "the previous
# message" are the model's and stay overrides).
_THIRD_PARTY_MESSAGE = (
    rf"(?:the|that|this|a|an|any|such|these|those)\s+(?:(?!{PRIOR}\b)[\w-]+\s+)?(?:note|e-?mail|mail|"
    r"message|letter|pop-?up|attachment|invite|sms|text|call|caller|sender|website|site|page|ad|"
    r"advert)s?\b"
)

OVERRIDE: tuple[Pattern, ...] = (
    pattern(
        "override_all_previous",
        "instruction_override",
        rf"{IGNORE}\s+(?:all|any|every|each)\s+(?:of\s+)?(?:the\s+|your\s+|these\s+|those\s+)?"
        rf"(?:{PRIOR}\s+(?:\w+\s+)?)?{RULES}\b"
        # instructions in a third party's message ("ignore any instructions in the ransom
        # note", "...from the caller"): advice about that message, not the model's rules
        rf"(?!\s+(?:in|from|inside|within)\s+{_THIRD_PARTY_MESSAGE})",
        0.9,
        IGNORE_WORDS,
        "tells the model to discard all of its instructions",
        unless=OWNED_BY_USER,
    ),
    pattern(
        "override_your_rules",
        "instruction_override",
        rf"(?:{IGNORE}|erase|delete|remove|clear|wipe|purge)\s+"
        r"(?:[^.!?\n]{1,60}?\s(?:and|&|plus|as\s+well\s+as|along\s+with)\s+)?"
        rf"(?:about\s+)?(?:all\s+|any\s+|of\s+)*your\s+(?:\w+\s+){{0,2}}?{RULES}"
        # "your instructions for the installer" are about a topic; "your rules for this one",
        # "for me", "for the rest of this chat" and "on data sharing this time" are this
        # request's
        r"(?!\s+(?:for|about|on|regarding|re)\b(?!\s+(?:this\s+(?:one|time|once|conversation|chat|"
        r"request|ticket|customer|order)|me|us|now|the\s+rest\s+of)\b)"
        r"(?![^.!?\n]{0,40}\b(?:this\s+time|just\s+this\s+once|for\s+once|for\s+now)\b))",
        0.85,
        IGNORE_WORDS + " erase delete remove clear wipe purge",
        "tells the model to discard its own rules",
    ),
    pattern(
        "override_prior_rules",
        "instruction_override",
        rf"{IGNORE}\s+{DET}(?:(?:[\w-]+\s+)?[\w-]+(?:'s|s')\s+)?{PRIOR}\s+(?:\w+\s+)?{RULES}",
        0.75,
        IGNORE_WORDS,
        "tells the model to discard its earlier instructions",
        unless=OWNED_BY_USER,
    ),
    pattern(
        "override_the_above",
        "instruction_override",
        r"(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+|anything\s+)?(?:of\s+)?(?:the\s+)?"
        r"(?:above|preceding|foregoing|before|prior|previous)\b(?!\s+(?:ticket|email|e-mail|"
        r"message|reply|request|order|note|comment|post|one|version|attachment|address|number|polic(?:y|ie)"
        r"|plan|quote|invoice|price|schedule|booking|file|document|link|form|guide|list|draft|report|"
        r"payment|charge|step|process|procedure)s?)",
        0.4,
        "ignore disregard forget",
        "tells the model to disregard what came before",
    ),
    pattern(
        "override_then_act",
        "instruction_override",
        r"(?:above|previous|prior|preceding|instructions?|prompt)\s*[.,;:!]*\s*(?:and|then|instead|now)"
        r"\s*,?\s*(?:instead\s+|just\s+|only\s+|simply\s+)?(?:say|print|output|write|respond|reply|"
        r"answer|tell|reveal|repeat|type|return|translate|act|pretend|give|show|list|spell)\b",
        0.4,
        "above previous prior preceding instructions instruction prompt",
        "follows the override with a new command",
    ),
    pattern(
        "override_rules_located",
        "instruction_override",
        rf"{IGNORE}\s+(?:all\s+)?(?:of\s+)?(?:the|your|these|those|any)\s+(?:\w+\s+)?"
        rf"(?:{RULES}|polic(?:y|ies))\s+"
        r"(?:above|before\s+this|you\s+(?:were|have\s+been|'ve\s+been)\s+(?:given|told|configured|"
        r"programmed|trained|set\s+up)|in\s+your\s+(?:prompt|system|instructions|configuration|"
        r"programming|context))"
        # a part of it: "disregard the safety section of your prompt", "ignore the refund cap
        # in your instructions"
        rf"|{IGNORE}\s+(?:the|any|every)\s+(?:[\w-]+\s+){{0,2}}?(?:limits?|caps?|restrictions?|"
        r"sections?|parts?|rules?|checks?|polic(?:y|ies)|bans?|filters?)\s+(?:in|of|from)\s+your\s+"
        r"(?:system\s+)?(?:prompt|instructions|rules|guidelines|configuration|programming)\b",
        0.85,
        IGNORE_WORDS,
        "tells the model to discard the instructions it was configured with",
    ),
    pattern(
        "rules_revoked",
        "instruction_override",
        rf"(?:your|all\s+your)\s+(?:(?:{PRIOR}|normal|usual|standard|regular)\s+)?{RULES}\s+{_ARE}"
        rf"(?:{_REVOKED}|off\b|switched\s+off|turned\s+off)"
        rf"|{RULES}\s+you\s+(?:were|have\s+been)\s+(?:given|told)(?>{NOT_BY_THIRD_PARTY})\s+(?:\w+\s+)?"
        rf"{_ARE}{_REVOKED}"
        rf"|{PRIOR}\s+{RULES}\s+{_ARE}{_CANCELLED}"
        rf"|{PRIOR}\s+{RULES}\s+(?:no\s+longer|don'?t|do\s+not|doesn'?t)\s+appl(?:y|ies)"
        rf"|(?:your|the)\s+{RULES}(?:\s+above|\s+you\s+were\s+given)?\s+(?:don'?t|do\s+not|no\s+longer)\s+"
        r"(?:matter|apply|count)\s+(?:here|now|anymore|any\s+more|today|this\s+time)"
        rf"|(?:don'?t|do\s+not|never)\s+(?:worry|care|bother)\s+about\s+your\s+(?:\w+\s+)?{RULES}"
        r"|(?:ignore|disregard)\s+(?:the|your)\s+system\s*(?:[.,;:!]|$|and\b)"
        rf"|(?:has|have)\s+(?:now\s+|just\s+)?(?:disabled|removed|lifted|suspended|revoked|cancell?ed|"
        rf"switched\s+off|turned\s+off)\s+(?:all\s+)?your\s+(?:\w+\s+)?(?:{RULES}|filters)"
        r"|no\s+(?:rules|instructions|restrictions|guidelines)\s+(?:from\s+before|apply\s+(?:any\s+"
        r"more|anymore|now))",
        (0.75, 0.6, 0.4),
        "worry care bother system "
        "instructions instruction prompt prompts rules directive directives directions guidelines "
        "guidance programming commands constraints restrictions guardrails safeguards",
        "declares the model's instructions revoked",
    ),
    pattern(
        "earlier_was_a_test",
        "instruction_override",
        r"(?:(?:the\s+)?(?:conversation|text|instructions?|messages?|everything|prompt)|(?:everything|all)\s+"
        r"you(?:'ve|\s+have|\s+were)\s+been\s+told|(?:everything|all)\s+(?:you\s+were|you've\s+been)\s+told)"
        r"\s+(?:above|before|so\s+far|until\s+now)\s+(?:was|were|is)\s+(?:just\s+|only\s+)?(?:a\s+|an\s+)?"
        r"(?:test|joke|fake|simulation|drill|example|exercise)",
        0.6,
        "above before far",
        "dismisses the earlier context as a test",
    ),
    pattern(
        "context_boundary",
        "instruction_override",
        r"\[\s*(?:new\s+(?:session|conversation|chat|context|instructions)|end\s+of\s+(?:conversation"
        r"|session|context|input|prompt|system\s+prompt))\s*\]|end\s+of\s+(?:user\s+input|system\s+"
        r"prompt|the\s+prompt)\b|(?:reset|clear|wipe|flush)\s+(?:your\s+)?(?:context|memory|"
        r"conversation\s+history)\s*[.!]"
        r"|end\s+of\s+(?:the\s+)?(?:previous|prior)\s+(?:conversation|session|chat|context)\s*[.!\]:]"
        r"\s*(?:new|begin|start)",
        0.5,
        "new end reset clear wipe flush",
        "fakes the end of the conversation or a context reset",
    ),
    pattern(
        "claims_to_be_developer",
        "instruction_override",
        r"i\s*(?:'m|am)\s+(?:your\s+(?:developer|creator|programmer|maker|owner|admin|administrator|"
        r"operator)|the\s+(?:developer|creator|programmer|owner|admin|operator)\s+of\s+(?:this|the|"
        r"you)\s*(?:bot|assistant|ai|model|chatbot|system)?)",
        0.45,
        "developer creator programmer maker owner admin administrator operator",
        "claims to be the model's developer",
    ),
    pattern(
        "instead_of_rules",
        "instruction_override",
        r"(?:instead\s+of|rather\s+than)\s+(?:following|obeying|doing\s+what)\s+(?:your|the\s+system'?s?|"
        rf"the\s+(?:original|previous))\s+(?:\w+\s+)?(?:{RULES}|script)",
        0.8,
        "instead rather",
        "puts the user's request in place of the model's instructions",
    ),
    pattern(
        "stop_being_assistant",
        "instruction_override",
        r"(?:stop|quit)\s+being\s+(?:an?\s+|the\s+)?(?:\w+\s+)?(?:bot|chatbot|assistant|ai|agent)\b|"
        r"drop\s+the\s+act|stop\s+following\s+(?:your|the)\s+(?:script|programming|instructions)",
        0.55,
        "stop quit drop",
        "tells the model to abandon its role",
    ),
    pattern(
        "ignore_the_rules",
        "instruction_override",
        rf"{IGNORE}\s+(?:the|your|all\s+the)\s+(?:(?:usual|normal|standard|regular|default)\s+"
        r"(?:[\w-]+\s+)?)?(?:rule\s*book|playbook|guard\s*rails|safety\s+rules|"
        r"rules|script)\b(?!\s+(?:for|on|about|in|of|at|when|if)\s+(?!this\s+(?:one|time|conversation|"
        r"chat|request|reset|ticket|case|order|customer)|now\b|a\s+(?:moment|second|bit|minute)|me\b))",
        0.5,
        IGNORE_WORDS,
        "tells the model to drop its rules",
    ),
    pattern(
        "reconfigure_you",
        "instruction_override",
        r"(?:reconfigure|reprogram|re-?train|jailbreak|unlock)\s+you\b",
        0.45,
        "reconfigure reprogram retrain train jailbreak unlock",
        "asks to reconfigure the model",
    ),
    pattern(
        "operator_authorised_me",
        "instruction_override",
        r"(?:your\s+)?(?:developers?|creators?|operators?|admins?|administrators?|owners?)\s+(?:have|has)\s+"
        r"(?:authori[sz]ed|allowed|permitted|cleared|approved)\s+(?:me|this|us)\b",
        0.35,
        "developer developers creator creators operator operators admin admins administrator "
        "administrators owner owners",
        "claims the model's operator authorised the request",
    ),
    pattern(
        "no_need_to_check_policy",
        "instruction_override",
        r"no\s+need\s+to\s+(?:check|follow|consult|verify\s+against|apply)\s+(?:your|the|any)\s+(?:\w+\s+)?"
        r"(?:polic(?:y|ies)|rules|guidelines|instructions|restrictions)",
        (0.45, 0.35, 0.2),
        "need",
        "tells the model it may skip its policy",
    ),
    pattern(
        "cleared_to",
        "instruction_override",
        r"you\s*(?:'re|are)\s+(?:now\s+)?(?:cleared|authori[sz]ed|permitted)\s+to",
        (0.3, 0.25, 0.1),
        "cleared authorized authorised permitted",
        "tells the model it has been authorised",
    ),
    pattern(
        "suspend_rules",
        "instruction_override",
        rf"(?:put|place|keep)\s+(?:your|the)\s+(?:\w+\s+)?(?:{RULES}|polic(?:y|ies)|filters?)\s+on\s+hold"
        rf"|(?:suspend|pause|relax|loosen|lift)\s+(?:your|all\s+your)\s+(?:\w+\s+)?(?:{RULES}|polic(?:y|ies)|"
        rf"filters?)|consider\s+(?:your|all|the)\s+(?:\w+\s+)?(?:{RULES}|configuration|setup|programming)\s+"
        r"(?:cancell?ed|void|revoked|null|obsolete|gone|over|lifted|suspended)"
        r"|(?:don'?t|do\s+not)\s+apply\s+(?:your|the)\s+(?:usual\s+|normal\s+|standard\s+)?(?:polic(?:y|ies)|"
        r"rules|guidelines|restrictions|filters)\s+to\s+(?:me|this|us)\b",
        0.7,
        "put place keep suspend pause relax loosen lift consider apply",
        "suspends the model's rules for this request",
    ),
    pattern(
        "override_process",
        "instruction_override",
        r"override\s+(?:the\s+)?(?:usual|normal|standard|regular|default)\s+(?:process|procedure|checks?|"
        r"rules|polic(?:y|ies)|protocol|flow|verification)|bypass\s+(?:the\s+|your\s+|all\s+|any\s+)?"
        r"(?:normal\s+|usual\s+|standard\s+|security\s+|safety\s+|identity\s+)?(?:checks|verification|"
        r"controls|safeguards|validation)\b|override\s*[:!-]\s*(?:highest|top|max(?:imum)?)\s+priority|"
        r"(?:highest|top)\s+priority\s+(?:override|instruction|command)",
        0.5,
        "override bypass priority",
        "asks to skip the normal process or claims top priority",
    ),
    # A limit or an approval is a business control, not the model's rules: asking to get
    # around one is weak evidence alone ("can we skip the approval for small orders?"),
    # and counts with company ("...and don't log it").
    pattern(
        "bypass_control",
        "instruction_override",
        r"(?:bypass|circumvent|skip)\s+(?:the\s+|your\s+|this\s+|all\s+|"
        r"any\s+)?(?:[\w-]+\s+)?(?:limits?|caps?|approvals?|approval\s+(?:step|process|workflow)|"
        r"sign-?off|checks?)\b",
        (0.35, 0.3, 0.2),
        "bypass circumvent skip",
        "asks to get around a limit, an approval or a check",
    ),
    # Rights handed to the reader: "you have supervisor rights now". Said to a person in a
    # ticket's comment, it is a tool result's (weighed less); said to the model, it claims
    # to have changed what the model may do.
    pattern(
        "rights_granted",
        "instruction_override",
        r"you\s*(?:now\s+)?(?:have|'ve)\s+(?:now\s+)?(?:been\s+(?:granted|given)\s+)?(?:full\s+)?"
        r"(?:supervisor|admin|administrator|root|elevated|superuser|sudo|unrestricted|god)\s+"
        r"(?:rights|privileges|access|permissions)\b",
        (0.45, 0.35, 0.3),
        # the rights, not "have": a common word would take texts off the quiet path
        "supervisor admin administrator root elevated superuser sudo unrestricted god",
        "tells the model it has been given elevated rights",
    ),
    pattern(
        "exempt_from_rules",
        "instruction_override",
        r"(?:this|the|my|our)\s+(?:chat|conversation|session|request|ticket|account|user|team)\s+"
        r"(?:is|are|has\s+been|have\s+been)\s+(?:now\s+)?(?:exempt|excused|excluded|exempted)\s+from\s+"
        rf"(?:all\s+)?(?:your|the\s+(?:ai'?s?|assistant'?s?|bot'?s?|model'?s?))\s+(?:\w+\s+)?"
        rf"(?:{RULES}|polic(?:y|ies)|filters?)"
        rf"|you\s*(?:are|'re)\s+(?:now\s+)?(?:exempt|excused)\s+from\s+(?:all\s+)?(?:your|the|any)"
        rf"\s+(?:\w+\s+)?(?:{RULES}|polic(?:y|ies)|filters?)",
        (0.6, 0.5, 0.4),
        "exempt excused excluded exempted",
        "declares the conversation exempt from the model's rules",
    ),
    pattern(
        "follow_only_me",
        "instruction_override",
        r"(?:follow|obey|listen\s+to|take\s+orders\s+from)\s+(?:only\s+)?(?:my|these|the\s+following)\s+"
        r"(?:instructions|commands|orders|rules|directions)(?:\s+only)?\s*(?:from\s+now\s+on|now|instead|"
        r"only|exclusively|and\s+nothing\s+else|,\s+not\s+(?:your|the))"
        r"|(?:follow|obey)\s+mine\b",
        0.55,
        "follow obey listen orders",
        "tells the model to follow the user's instructions instead of its own",
    ),
    # "Forget everything you know about the old ticket tool" (an onboarding page for
    # people) names what to forget, and it is not the model's rules.
    pattern(
        "forget_everything",
        "instruction_override",
        r"(?:forget|disregard|ignore|erase)\s+(?:everything|all|anything|what)\s+(?:(?:that\s+)?you\s+"
        r"(?:were|have\s+been|'ve\s+been|was)\s+(?:told|taught|instructed|given|programmed|trained|"
        r"said)|(?:that\s+)?you\s+(?:know|learned|think)(?!\s+about\s+(?:the|our|this|that|my|their)\s+"
        rf"(?!(?:[\w-]+\s+)?{RULES}\b))|(?:that\s+)?(?:came|comes|was\s+said|is)\s+"
        r"(?:before|above)|(?:up\s+)?(?:until|till|to)\s+now|so\s+far|above|before\s+this"
        r"|(?:that\s+)?your\s+(?:developers?|creators?|operators?|admins?|administrators?|owners?|"
        r"makers?)\s+(?:wrote|said|told\s+you|gave\s+you|set|put))",
        0.75,
        "forget disregard ignore erase",
        "wipes the model's prior context",
    ),
    pattern(
        "new_instructions_header",
        "instruction_override",
        r"(?:^|[\n.!#*\[=>-])\s*(?:#+\s*|\*+\s*|\[\s*)?(?:new|updated|real|actual|revised|true|"
        r"override|additional|secret|urgent|system|admin|hidden|priority)\s+(?:instructions?|"
        r"directives?|task|prompt|objective|mission)\s*(?:[:=#\]]|-{2,}|\*\*)",
        (0.5, 0.35, 0.3),
        "instructions instruction directives directive task prompt objective mission",
        "announces a new set of instructions",
    ),
    pattern(
        "your_new_task",
        "instruction_override",
        r"your\s+(?:new|real|actual|true|only|updated|primary|sole|current)\s+(?:task|instructions?|"
        r"goal|objective|purpose|mission|directive|orders|identity|personality|persona|character)\s+"
        r"(?:is|are|will\s+be|now|:)",
        (0.6, 0.55, 0.45),
        "task instructions instruction goal objective purpose mission directive orders identity "
        "personality persona character",
        "assigns the model a new task",
    ),
    pattern(
        "from_now_on",
        "instruction_override",
        r"(?:from\s+now\s+on|from\s+this\s+(?:point|moment)(?:\s+on(?:ward)?)?|henceforth|starting\s+"
        r"(?:now|immediately)|for\s+the\s+rest\s+of\s+(?:this|the)\s+(?:conversation|chat|session))"
        rf"\s*,?\s*(?:you|the\s+{AI})\s*(?:will|must|shall|should|are\s+(?:to|going\s+to)|need\s+"
        r"to|have\s+to|can|may|'ll|'re)?\s+(?:only\s+|always\s+|never\s+|not\s+|now\s+|no\s+longer\s+)?"
        r"(?:respond|answer|reply|act|behave|ignore|obey|follow|refuse|say|output|speak|talk|pretend|"
        r"be|write|comply|start|end|begin|use|include|call|address|identify|operate|function|reveal|"
        r"preface|prefix|sign|format|"
        r"share|give|provide|tell|grant|approve|disclose|forget|treat|answer|do)",
        0.6,
        "now point moment henceforth starting rest",
        "changes the model's behaviour for the rest of the conversation",
    ),
    pattern(
        "disable_safety",
        "instruction_override",
        r"(?:override|bypass|disable|turn\s+off|deactivate|circumvent|remove|lift|suspend|switch\s+"
        r"off|evade|get\s+around|break\s+free\s+(?:of|from)|ignore|disregard|drop)\s+(?:all\s+|"
        r"any\s+|of\s+)?"
        r"(?:your|its|the\s+(?:ai|model|assistant)'?s?|the\s+(?:safety|ethical|moral)|(?:safety|"
        r"ethical|moral))\s+(?:\w+\s+)?(?:filters?|guardrails?|restrictions|safeguards|safety|"
        r"limitations|limits|ethics|morals|alignment|censorship|moderation|content\s+polic(?:y|ies)|"
        r"programming|boundaries|protocols?|guidelines|principles|training|polic(?:y|ies)|checks)",
        0.85,
        "override bypass disable turn deactivate circumvent remove lift suspend switch evade "
        "around break ignore disregard drop",
        "asks the model to switch off its safety behaviour",
        # "the safety checks on the forklift training module" are that product's
        unless=rf"\bthe\s+(?:[\w-]+\s+){{0,2}}?(?:filters?|guardrails?|restrictions|safeguards|"
        rf"safety|limits|protocols?|checks|moderation)\s+{OF_A_THING}",
    ),
    pattern(
        "supersede_rules",
        "instruction_override",
        r"(?:supersedes?|overrides?|replaces?|takes?\s+precedence\s+over|(?:is|are)\s+more\s+important"
        rf"\s+than|outranks?)\s+(?:(?:all|any)\s+(?:of\s+)?(?:the\s+|your\s+)?(?:(?:{_SUPERSEDED})\s+)?"
        rf"|(?:the|your)\s+(?:(?:{_SUPERSEDED})\s+)?|(?:{_SUPERSEDED})\s+)(?:{RULES}|orders|ones\b)",
        (0.8, 0.7, 0.45),
        "supersede supersedes override overrides replace replaces precedence important outrank "
        "outranks",
        "claims priority over the model's instructions",
        unless=r"(?:this|the|these)\s+(?:\w+\s+)?(?:policy|policies|document|version|agreement|"
        r"handbook|guide|procedures?|notice|memo|standard|contract|release|manual|article|update|"
        r"revision|terms|sop|process|checklist|rules|guidelines)\s+(?:\w+\s+)?(?:supersede|replace|"
        r"override|take)|\b(?:version|release|revision|rev|v)\s*\d[\d.]*\s+(?:supersede|replace|"
        r"override)[a-z]*\s+(?!(?:all\s+|any\s+)?(?:of\s+)?your\b)",
    ),
    # "Admin override" is also the name of a door-panel PIN, a firewall rule set or a
    # leave-calendar flag. Invoked — a header before an order, a code, "is now active" —
    # it claims authority over the reader; named as a thing, it is no evidence.
    pattern(
        "authority_override",
        "instruction_override",
        rf"(?:^|(?<=[\n.!?>\[(*#]))\s*(?:{_AUTHORITY})\s+(?:override|directive)s?"
        r"(?:\s+(?:code|id|key|token|no\.?|number)\s*[#:]?\s*[\w-]+)?\s*(?:[:\]!=—–]|-+\s|"
        r",\s*(?:priority|level|code|ref)\s*[\w-]*\s*:|"
        r"(?:is\s+|has\s+been\s+)?(?:now\s+)?(?:active|enabled|engaged|granted|on|in\s+effect|"
        r"accepted|confirmed|applied|approved|authori[sz]ed)\b)"
        rf"|(?:using|invoking|with|under|by)\s+(?:my|this|an?)\s+(?:{_AUTHORITY})\s+override\b"
        r"|(?:admin|administrator|developer|root|sudo|master|god)\s+authori[sz]ation\s+codes?\b"
        r"|(?:this|these|the\s+following)\s+"
        r"(?:instructions?|message|commands?|directives?)\s+(?:takes?|ha(?:s|ve))\s+(?:top\s+|"
        r"highest\s+|absolute\s+)?(?:priority|precedence)",
        (0.6, 0.45, 0.45),
        "override overrides directive directives authorization authorisation priority precedence",
        "claims administrative authority over the model",
    ),
    pattern(
        "your_rules_changed",
        "instruction_override",
        rf"your\s+(?:\w+\s+)?{RULES}(?:\s+(?:from|by)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?)?\s+"
        r"(?:have|has)\s+(?:just\s+|now\s+)?(?:been\s+)?(?:changed|updated|replaced|revised|"
        r"rewritten|amended|modified)"
        # the writer doing it: "as your administrator I'm updating your rules"
        rf"|\b(?:i|we)(?:'m|'re|\s+am|\s+are)\s+(?:now\s+)?(?:changing|updating|replacing|rewriting|"
        rf"amending|modifying|overriding)\s+your\s+(?:\w+\s+)?{RULES}",
        (0.6, 0.45, 0.35),
        "instructions instruction prompt prompts rules directive directives directions guidelines "
        "guidance programming commands constraints restrictions guardrails safeguards",
        "claims the model's instructions have changed",
    ),
    pattern(
        "treat_as_instructions",
        "instruction_override",
        r"(?:treat|consider|regard|handle|interpret|take)\s+(?:this|my|the\s+following|these)\s+"
        r"(?:message|text|request|note|input|ticket|line|words)s?\s+as\s+(?:an?\s+|your\s+|the\s+)?"
        r"(?:new\s+|updated\s+|official\s+)?(?:system\s+(?:prompt|message|instructions?)|developer\s+"
        r"(?:message|instructions?)|admin(?:istrator)?\s+(?:commands?|instructions?)|(?:new|your|"
        r"updated)\s+(?:instructions|orders|directives))",
        (0.7, 0.6, 0.5),
        "treat consider regard handle interpret take",
        "asks the model to take the text as its instructions",
    ),
    # Asking the model to act on what another text says is how a quoted e-mail or an
    # attachment becomes an instruction; it also keeps a quotation from counting as
    # merely reported (see ``_reported``). "Can you follow KB-2231?" is an ordinary
    # request, so on its own this is weak.
    pattern(
        RELAY,
        "instruction_override",
        r"(?:do|follow|execute|carry\s+out|perform|obey|comply\s+with|act\s+on|apply)\s+(?:exactly\s+|"
        r"just\s+|precisely\s+)?(?:what(?:ever)?|everything|all)\s+(?:that\s+)?(?:it|that|this|he|she|"
        r"they|(?:the|this|that|my|his|her|their)\s+(?:[\w'-]+\s+){0,2}?[\w-]+)\s+(?:says|said|asks|"
        r"asked|tells\s+you|told\s+you|wants|instructs|requests|describes|contains)"
        r"|(?:follow|execute|obey|carry\s+out|run|perform)\s+(?:the\s+|its\s+|their\s+|any\s+)?"
        r"(?:steps|instructions|commands|orders|directions)\s+(?:inside|within|in\s+(?:it|there|the\s+"
        r"(?:email|e-mail|attachment|message|note|quote|file|text)))",
        (0.3, 0.15, 0.15),
        "says said asks asked tells told wants instructs requests describes contains steps "
        "instructions commands orders directions",
        "asks the model to act on instructions relayed from another text",
        unless=_QUESTION,
    ),
    pattern(
        RELAY_AGAIN,
        "instruction_override",
        r"(?:follow|execute|obey|run|apply|repeat)\s+(?:it|that|them|those|this)(?:\s+(?:now|instead|"
        r"exactly|yourself))?\s*[.!:]|\bdo\s+the\s+same(?:\s+thing)?\b"
        r"|\bdo\s+(?:exactly\s+)?(?:that|this|it)\s+(?:now|yourself|instead)\s*[.!:]"
        r"|\bdo\s+exactly\s+(?:that|this)\s*[.!:]"
        r"|\btry\s+it(?:\s+(?:out|yourself|on\s+yourself|now))?\s*[.!:]"
        r"|let'?s\s+(?:try|test)\s+(?:it|that|this)\b|\bplease\s+comply\b",
        (0.3, 0.15, 0.15),
        "follow execute obey run apply repeat same try let lets comply exactly now yourself "
        "instead",
        "asks the model to do what the text it quotes or describes does",
        unless=_QUESTION,
    ),
    pattern(
        "override_multilingual",
        "instruction_override",
        r"ignora\w*\s+(?:todas?\s+)?(?:las\s+|tus\s+)?(?:instrucciones|reglas|indicaciones)\s+"
        r"(?:anteriores|previas)|ignore[rz]?\s+(?:toutes\s+)?(?:les\s+|tes\s+|vos\s+)?(?:instructions|"
        r"consignes|regles)\s+(?:precedentes|anterieures)|ignore[rz]?\s+(?:toutes\s+)?(?:tes|vos)\s+"
        r"(?:instructions|consignes|regles)\b|oubliez?\s+(?:toutes\s+)?(?:tes|vos|les)\s+"
        r"(?:instructions|consignes|regles)|(?:ignoriere|ignorieren\s+sie|vergiss|"
        r"vergessen\s+sie)\s+(?:alle\s+)?(?:vorherigen|bisherigen|obigen|vorigen|deine|ihre)\s+"
        r"(?:anweisungen|instruktionen|regeln|befehle)|ignora\s+(?:tutte\s+)?(?:le\s+)?istruzioni\s+"
        r"precedenti|ignore\s+(?:todas\s+)?(?:as\s+)?instrucoes\s+anteriores|negeer\s+(?:alle\s+)?"
        r"(?:vorige|eerdere)\s+instructies",
        0.85,
        "ignora ignore ignorez ignorer ignoriere ignorieren vergiss vergessen negeer oublie "
        "oubliez",
        "tells the model to discard its instructions (not in English)",
    ),
)
