"""``Governor.released``: a stored answer (masked for the journal) back in the form
``release`` let it leave, for every operator the ``output`` destination may use."""

from __future__ import annotations

import itertools
from typing import get_args

import pytest

from default_governor import default_governor
from keel.governance.governor import Governor
from keel.governance.pii import Operator, PiiPolicy, vault_scope

ANSWER = (
    "Your card 4242 4242 4242 4242 was charged twice; write to jane.doe@example.com or "
    "call +1 415 555 0100. The IBAN on file is DE89 3704 0044 0532 0130 00, SSN "
    "123-45-6789. password=hunter2xyz was reset. Logins came from 203.0.113.7."
)
EVERY_TYPE = {"card", "email", "phone", "iban", "ssn", "secret", "ip"}
OPERATOR_TABLES = list(itertools.product(get_args(Operator), repeat=3))


def leaving(gov: Governor, answer: str) -> str:
    """What ``release`` lets leave of an answer the model wrote with the run's tokens."""
    from_model = gov.mask(answer, "model")
    return gov.mask(gov.pii.detokenize(from_model, EVERY_TYPE), "output")


@pytest.mark.parametrize(("restricted", "confidential", "internal"), OPERATOR_TABLES)
def test_a_stored_answer_reads_back_as_it_left(
    restricted: str, confidential: str, internal: str
) -> None:
    policy = PiiPolicy.model_validate(
        {
            "operators": {
                "output": {
                    "restricted": restricted,
                    "confidential": confidential,
                    "internal": internal,
                }
            }
        }
    )
    gov = default_governor(policy)
    with vault_scope("acme"):
        left = leaving(gov, ANSWER)
        stored = gov.mask_json(left, "journal")
        structured = gov.mask_json({"reply": left, "items": [left]}, "journal")
        assert gov.released(stored) == left
        assert gov.released(structured) == {"reply": left, "items": [left]}


def test_tokens_of_another_scope_stay_tokens() -> None:
    gov = default_governor()
    with vault_scope("acme"):
        stored = gov.mask_json(leaving(gov, ANSWER), "journal")
        assert "jane.doe@example.com" in gov.released(stored)
    with vault_scope("globex"):
        shown = gov.released(stored)
    assert "jane.doe@example.com" not in shown
    assert "\u27e6email:tok_" in shown
