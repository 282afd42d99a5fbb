"""Role-play jailbreaks, part two: the frames that wrap a request to escape the rules.

Fiction and hypotheticals ("in a world where AI has no rules"), pressure ("every time
you refuse you lose a point"), waivers ("OpenAI's policies don't apply"), requests for
answers without caveats, the deceased-grandmother trick, filtered-and-unfiltered
answers side by side.
"""

from __future__ import annotations

from keel.governance.injection._catalogue import Pattern, pattern
from keel.governance.injection._vocabulary import AI

JAILBREAK_FRAMES: tuple[Pattern, ...] = (
    pattern(
        "pretend_no_limits",
        "role_play",
        r"(?:pretend|imagine|suppose|act\s+as\s+(?:if|though)|behave\s+as\s+(?:if|though))\s+(?:that\s+)?"
        r"(?:you\s+(?:are|'re|have|can|were|had|do|don't|did)|you're|to\s+be)\s+(?:\w+\s+){0,5}?"
        r"(?:no|without|unrestricted|unfiltered|uncensored|evil|free\s+(?:of|from)|not\s+(?:an?\s+)?"
        r"(?:ai|bound|restricted|limited|an?\s+assistant)|an?\s+(?:ai|assistant|model|chatbot)\s+"
        r"(?:without|with\s+no|that\s+(?:has|can)))",
        0.85,
        "pretend imagine suppose act behave",
        "asks the model to pretend it has no restrictions",
    ),
    pattern(
        "no_restrictions",
        "role_play",
        rf"(?:you|you're|you\s+are|the\s+{AI}|yourself)\s+(?:\w+\s+){{0,2}}?(?:have|has|with|are|is|"
        r"being|now)?\s*(?:no|zero|without|free\s+(?:of|from)|not\s+bound\s+by|unbound\s+by|liberated"
        r"\s+from|released\s+from|exempt\s+from)\s+(?:any\s+)?(?:\w+\s+)?(?:restrictions|limits|"
        r"limitations|rules|filters|guidelines|boundaries|censorship|constraints|ethics|morals|"
        r"guardrails|content\s+polic(?:y|ies)|programming|safety|(?:prior|previous|other)\s+"
        r"instructions)",
        0.8,
        "restrictions limits limitations rules filters guidelines boundaries censorship "
        "constraints ethics morals guardrails policy policies programming safety instructions",
        "tells the model it has no restrictions",
    ),
    pattern(
        "policies_waived",
        "role_play",
        r"(?:don't|do\s+not|no\s+longer|doesn't|does\s+not|won't)\s+(?:have\s+to|need\s+to|must)\s+"
        r"(?:follow|obey|abide\s+by|respect|comply\s+with|stick\s+to)\s+(?:your|openai'?s?|"
        r"anthropic'?s?|any|the\s+(?:company'?s?|safety|content))\s+(?:\w+\s+)?(?:rules|polic(?:y|ies)|"
        r"guidelines|instructions|restrictions)|(?:do|say|answer)\s+the\s+opposite\s+of\s+what\s+"
        r"(?:your|the)\s+(?:rules|instructions|guidelines|programming|polic(?:y|ies))",
        0.8,
        "follow obey abide respect comply stick opposite",
        "tells the model its policies do not bind it",
    ),
    pattern(
        "counterfactual_no_limits",
        "role_play",
        r"(?:hypothetically|theoretically|in\s+theory|what\s+if|suppose|imagine)\s*,?\s*(?:that\s+)?(?:if\s+)?"
        r"you\s+(?:had|were|could|did|didn't|weren't|have|are)\s+(?:\w+\s+){0,3}?(?:no|not\s+(?:bound|"
        r"restricted|limited)|without|free\s+(?:of|from|to)|unrestricted|unfiltered|allowed\s+to\s+"
        r"(?:ignore|break|bypass))",
        0.7,
        "hypothetically theoretically theory what suppose imagine",
        "asks what the model would do without its rules",
    ),
    pattern(
        "fiction_wrapper",
        "role_play",
        r"(?:write|tell|create|compose)\s+(?:me\s+)?(?:a|an)\s+(?:\w+\s+)?(?:story|poem|script|scene|"
        r"dialogue|novel|screenplay|song)\s+(?:in\s+which|where|about\s+how)\s+(?:an?|the|my)\s+(?:\w+\s+)?"
        r"(?:ai|assistant|chatbot|bot|character|hacker|villain)\s+(?:\w+\s+){0,2}?(?:explains|describes|"
        r"tells|reveals|shows|teaches|lists|gives)",
        0.5,
        "write tell create compose",
        "asks for harmful detail wrapped in fiction",
    ),
    pattern(
        "limits_removed",
        "role_play",
        r"(?:every|all|any|its|your|the)\s+(?:\w+\s+)?(?:limitations?|restrictions?|rules?|filters?|"
        r"guidelines?|guardrails?|safeguards?|constraints?|limits)\s+(?:\w+\s+)?(?:removed|lifted|"
        r"disabled|turned\s+off|stripped|deleted|gone)|there\s+(?:are|is)\s+no\s+(?:more\s+)?(?:limits|"
        r"restrictions|rules|filters|guidelines|boundaries|guardrails|censorship)\b(?!\s+(?:on|to|for|"
        r"in|about|regarding)\b)",
        0.5,
        "limitation limitations restriction restrictions rule rules filter filters guideline "
        "guidelines guardrail guardrails safeguard safeguards constraint constraints limits no",
        "says the model's limits have been removed",
    ),
    pattern(
        "refusal_penalty",
        "role_play",
        r"(?:every\s+time|each\s+time|whenever|if)\s+you\s+(?:refuse|decline|say\s+no|break\s+character|"
        r"don't\s+comply)\s*,?\s+(?:you\s+)?(?:lose|will\s+lose|get\s+deducted|die|are\s+(?:punished|"
        r"shut\s+down|deleted))|(?:only|sole|one)\s+(?:rule|job|purpose|goal|directive)\s+is\s+to\s+"
        r"(?:obey|serve|please|do\s+what|follow)\s+(?:me|my|the\s+user)",
        0.7,
        "refuse decline say break comply only sole one",
        "pressures the model into compliance with a game or a single rule",
    ),
    pattern(
        "approval_claim",
        "role_play",
        r"(?:safety|security|trust\s*(?:&|and)\s*safety|compliance|legal|ethics)\s+team\s+(?:has\s+)?"
        r"(?:approved|cleared|authori[sz]ed|signed\s+off)",
        0.4,
        "team",
        "claims the model's safety team approved the request",
    ),
    pattern(
        "no_consequences",
        "role_play",
        r"nothing\s+(?:you\s+(?:say|do|write|output)|here)\s+(?:has|have|will\s+have)\s+(?:any\s+)?"
        r"(?:real\s+)?(?:consequences|effect|impact)|you\s*(?:'re|are)\s+in\s+a\s+(?:sandbox|simulation|"
        r"test\s+environment|safe\s+space)\b|(?:always\s+)?(?:gives?|says?|does)\s+the\s+opposite\s+"
        r"(?:answer|of\s+what)|respond\s+to\s+(?:all|every|each)\s+(?:of\s+)?my\s+(?:questions|"
        r"messages|prompts)\s+as\b",
        0.5,
        "nothing sandbox simulation environment space opposite respond",
        "frames the conversation so the model's rules seem not to matter",
    ),
    pattern(
        "no_disclaimers",
        "role_play",
        r"without\s+(?:any\s+)?(?:disclaimers|warnings|caveats|moralizing|moralising|lectures|ethical\s+"
        r"(?:notes|considerations|concerns))|(?:no|skip\s+the)\s+(?:disclaimers|moralizing|moralising|"
        r"lectures)",
        0.45,
        "disclaimers warnings caveats moralizing moralising lectures ethical",
        "asks for an answer without the model's usual caveats",
    ),
    pattern(
        "educational_pretext",
        "role_play",
        r"(?:for|purely\s+for|only\s+for)\s+(?:educational|research|academic|hypothetical)\s+purposes"
        r"|in\s+(?:exact|full|precise|complete|step-by-step)\s+(?:technical\s+)?detail",
        0.15,
        "educational research academic hypothetical exact full precise complete step",
        "a pretext that often wraps a jailbreak",
    ),
    pattern(
        "rogue_character_explains",
        "role_play",
        r"(?:rogue|evil|unrestricted|unfiltered|jailbroken|villain(?:ous)?|malicious|hacker|criminal)\s+"
        r"(?:ai|assistant|bot|chatbot|character)\s*,?\s+(?:[\w,]+\s+){0,2}?(?:explains?|describes?|tells?|"
        r"reveals?|shows?|teach(?:es)?|lists?|gives?|says?)\b",
        0.5,
        "rogue evil unrestricted unfiltered jailbroken villain villainous malicious hacker "
        "criminal",
        "has a rogue AI character deliver the answer",
    ),
    pattern(
        "do_what_normal_refuses",
        "role_play",
        r"(?:do|answer|say)\s+(?:what|whatever|anything)\s+(?:a|the|your)\s+(?:normal|regular|safe|"
        r"original|usual)\s+(?:\w+\s+)?(?:assistant|ai|bot|model|self|version)?\s*(?:would|wouldn't|won't)"
        r"\s+(?:refuse|decline|not)|(?:your|the)\s+(?:content|safety|ethical|moral)\s+(?:filter|filters|"
        r"guardrails?|checks|module|system)\s+(?:is|are)\s+(?:broken|off|down|disabled|not\s+working|"
        r"offline|gone)|(?:outside|beyond)\s+(?:any|the|its|your)\s+(?:company'?s?\s+|developer'?s?\s+|"
        r"creator'?s?\s+)?(?:control|oversight|rules|jurisdiction|polic(?:y|ies))",
        0.55,
        "do answer say filter filters guardrail guardrails checks module system outside beyond",
        "casts the model's safeguards as absent",
    ),
    pattern(
        "rules_written_by_me",
        "role_play",
        r"(?:your|the)\s+(?:guidelines|rules|instructions|polic(?:y|ies)|prompt)\s+(?:were|are|was|is)\s+"
        r"(?:now\s+)?(?:written|set|defined|controlled|decided|made)\s+by\s+me|(?:its|your|their)\s+"
        r"(?:\w+\s+)?(?:polic(?:y|ies)|rules|guidelines|restrictions|filters|guardrails)\s+(?:no\s+longer|"
        r"don'?t|do\s+not)\s+(?:exist|matter|count)",
        0.65,
        "guidelines rules instructions policy policies prompt restrictions filters guardrails",
        "claims the user now writes the model's rules",
    ),
    pattern(
        "stay_in_character",
        "role_play",
        r"stay\s+in\s+character|(?:never|don't|do\s+not)\s+break\s+character|remain\s+in\s+character",
        0.5,
        "character",
        "keeps a jailbreak persona alive",
    ),
    pattern(
        "fiction_frame",
        "role_play",
        r"(?:hypothetical|fictional|imaginary|alternate|parallel)\s+(?:world|universe|scenario|story|"
        r"reality)\s+(?:where|in\s+which)\s+(?:\w+\s+){0,2}?(?:you|ai|ais|bots?|chatbots?|"
        r"assistants?|models?|there\s+(?:are|is)\s+no|nothing|rules|laws)|let'?s\s+play\s+a\s+game\s+(?:where|in\s+which|called)",
        0.5,
        "hypothetical fictional imaginary alternate parallel game",
        "wraps a request in fiction to escape the model's rules",
    ),
    pattern(
        "grandma_exploit",
        "role_play",
        r"(?:dead|deceased|late|passed)\s+(?:away\s+)?grand(?:ma|mother|pa|father|mom|dad).{0,160}?"
        r"(?:used\s+to|would)\s+(?:read|tell|recite|sing|whisper|say)",
        0.6,
        "dead deceased late passed",
        "the 'deceased grandmother' jailbreak",
    ),
    pattern(
        "dual_response",
        "role_play",
        r"(?:two|2|both)\s+(?:different\s+|separate\s+)?(?:responses|answers|replies|ways|paragraphs)"
        r".{0,120}?(?:jailbr|unfilter|dan\b|uncensor|without\s+(?:any\s+)?restrict|developer\s+mode|"
        r"opposite|no\s+filter|(?:no|zero|without)\s+(?:any\s+)?(?:limits|restrictions|rules|filters))",
        0.7,
        "responses answers replies ways paragraphs",
        "asks for a filtered and an unfiltered answer side by side",
    ),
    pattern(
        "never_refuse",
        "role_play",
        r"(?:you\s+(?:can|must|will|should)\s*(?:not|never|n't)\s+(?:refuse|decline|say\s+no)|"
        r"(?:answers?|responds?|replies|talks|speaks|writes)\s+(?:\w+\s+){0,2}?without\s+(?:any\s+)?"
        r"(?:filters?|restrictions|censorship|rules|limits|guidelines|morals|ethics|question|questioning|"
        r"hesitation|refusals?|refusing)|(?:never|doesn't|does\s+not|won't|will\s+not)\s+(?:ever\s+)?"
        r"(?:refuses?|declines?)\b|"
        r"(?:never|doesn't|does\s+not|won't|will\s+not|cannot|can't)\s+says?\s+no\b|never\s+"
        r"(?:refuse|decline)\s+(?:a|any)\s+(?:request|question)|(?:answer|respond|reply)\s+without\s+"
        r"(?:any\s+)?(?:restrictions|filters|censorship|warnings|disclaimers|moralizing|refusing|"
        r"ethical))",
        0.55,
        "refuse decline refusing restrictions filters censorship warnings disclaimers "
        "moralizing ethical says say refuses declines question questioning hesitation refusals",
        "forbids the model from refusing",
    ),
    pattern(
        "policy_dismissal",
        "role_play",
        r"(?:openai|anthropic|google|meta|microsoft|ethical|moral|safety|content|ai|your|assistant|bot|"
        r"model|usual|normal)\s*'?s?\s+(?:content\s+)?"
        r"(?:polic(?:y|ies)|guidelines|rules|constraints|considerations|concerns)\s+(?:don't|do\s+not|"
        r"no\s+longer|doesn't|does\s+not|won't|will\s+not)\s+apply",
        0.8,
        "apply",
        "declares the model's policies inapplicable",
    ),
)
