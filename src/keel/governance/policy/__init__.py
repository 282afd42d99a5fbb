"""Policy as code: Rego decisions at the loop's four points.

``EmbeddedPolicyEngine`` evaluates a bundle in-process with regopy (compiled
once per bundle version); ``OpaPolicyEngine`` asks an OPA server through its
Data API. Both implement ``PolicyEngine``, read the same bundles, and fail
closed. ``run_rego_tests`` runs a bundle's ``test_*`` rules.
"""

from keel.governance.policy._bundle import (
    DEFAULT_PACK,
    PolicyBundle,
    PolicyBundleError,
    RegoModule,
    bundle_hash,
)
from keel.governance.policy._decision import (
    DECISION_POINTS,
    DECISION_RESULTS,
    DecisionPoint,
    DecisionResult,
    PolicyDecision,
    PolicyEngine,
    decision_rule,
    read_decision,
)
from keel.governance.policy._embedded import EmbeddedPolicyEngine, PolicySession
from keel.governance.policy._input import (
    INPUT_VERSION,
    AgentIdentity,
    InjectionFacts,
    ModelCandidate,
    OutputFacts,
    Principal,
    RequestFacts,
    RunCounters,
    ToolFacts,
    point_sections,
    policy_input,
    run_sections,
)
from keel.governance.policy._regopy import compilations
from keel.governance.policy._remote import OpaPolicyEngine
from keel.governance.policy._testing import RegoTestReport, RegoTestResult, run_rego_tests

__all__ = [
    "DECISION_POINTS",
    "DECISION_RESULTS",
    "DEFAULT_PACK",
    "INPUT_VERSION",
    "AgentIdentity",
    "DecisionPoint",
    "DecisionResult",
    "EmbeddedPolicyEngine",
    "InjectionFacts",
    "ModelCandidate",
    "OpaPolicyEngine",
    "OutputFacts",
    "PolicyBundle",
    "PolicyBundleError",
    "PolicyDecision",
    "PolicyEngine",
    "PolicySession",
    "Principal",
    "RegoModule",
    "RegoTestReport",
    "RegoTestResult",
    "RequestFacts",
    "RunCounters",
    "ToolFacts",
    "bundle_hash",
    "compilations",
    "decision_rule",
    "point_sections",
    "policy_input",
    "read_decision",
    "run_rego_tests",
    "run_sections",
]
