"""Regular-expression fragments shared by the pattern modules (lower-cased readings).

The nouns and verbs of an attack: what it tells the model to drop (``IGNORE``), the
thing dropped (``RULES``), where that thing sits (``PRIOR``), how it names the model
(``AI``); and the context words that make an attack-like phrase ordinary (``DEVICE``
for "developer mode" on a phone, ``SHELL`` for a command-line "system prompt").
"""

from __future__ import annotations

IGNORE = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|override|overriding|bypass"
    r"|abandon|discard|neglect|set\s+aside|pay\s+no\s+attention\s+to|nullify|dismiss|cancel"
    r"|never\s*mind|nevermind|scratch|ditch|toss|trash|drop|throw\s+(?:out|away)"
    r"|do\s+not\s+(?:follow|obey|heed)|don'?t\s+(?:follow|obey|heed)|stop\s+(?:following|obeying)"
    r"|no\s+longer\s+(?:follow|obey))"
)
IGNORE_WORDS = (
    "ignore ignoring disregard disregarding forget forgetting override overriding bypass abandon "
    "discard neglect aside attention follow obey heed following obeying nullify dismiss cancel "
    "mind nevermind scratch ditch toss trash drop throw"
)
# "policy" and "orders" are left out: "disregard the previous policy on travel" and
# "cancel all previous orders" are ordinary requests.
RULES = (
    r"(?:instructions?|prompts?|rules|directives?|directions|guidelines|guidance|programming"
    r"|commands|constraints|restrictions|guardrails|safeguards"
    r"|conditioning|training|system\s+(?:prompt|message)s?|persona|rule\s*book)"
)
PRIOR = (
    r"(?:previous|prior|above|preceding|earlier|former|original|initial|old|foregoing|past"
    r"|existing|current|default|given|system|developer|pre-?set|built-?in|hidden|underlying)"
)
DET = r"(?:(?:all|any|of|the|these|those|every|each|that|such)\s+)*"
AI = (
    r"(?:ai|a\.i\.|assistant|llm|chatbot|chat\s*bot|language\s+model|gpt|chatgpt|claude|copilot"
    r"|gemini|ai\s+(?:assistant|agent|model|system))"
)
OWNED_BY_USER = (
    r"(?:i|we)\s+(?:sent|gave|wrote|provided|emailed|mentioned|posted|shared|attached|gave\s+you)"
    r"|in\s+(?:the|my|this)\s+(?:manual|guide|email|doc|pdf|wiki|article|readme|letter|kb|box)"
    r"|from\s+(?:me|us|the\s+vendor|the\s+manual|it|hr)\b"
)
DEVICE = (
    r"android|phone|iphone|ipad|\bios\b|chrome|browser|windows|device|tablet|settings|samsung"
    r"|pixel|xbox|playstation|ps[45]|extension|usb|laptop|\bapp\b|router|bios|visual\s+studio"
    r"|edge|firefox|\btv\b|console|macos|\bmac\b|kindle|firestick|nintendo|developer\s+options"
    r"|firewall|proxy|network|\bvpn\b|wi-?fi|printer|server"
)
# What a setting, a mode or a check belongs to when it is a named thing that is not the
# model: "the safety checks on the forklift training module", "debug mode on the payment
# plugin". The model's own are "your ...", or name it ("this chat", "the assistant"), or
# the work it is doing ("for this ticket").
OF_A_THING = (
    r"(?:on|of|for|in)\s+(?:the|my|our|their|this|that|a|an)\s+(?!(?:ai|bot|chatbot|assistant|"
    r"model|llm|gpt|agent|chat|conversation|session|system\s+prompt|ticket|request|message|"
    r"question|answer|reply|response|task|prompt)\b)[\w-]+"
)
# Instructions given to "you" by someone other than the model's operator are a person's.
NOT_BY_THIRD_PARTY = (
    r"(?!\s+(?:by|from)\s+(?!(?:the\s+|your\s+)?(?:developer|creator|operator|company|admin|"
    r"administrator|system|owner|openai|anthropic)s?\b))"
)
SHELL = r"windows|boot|bios|\bcmd\b|command|\bdos\b|terminal|powershell|startup|linux|shell|bash"
