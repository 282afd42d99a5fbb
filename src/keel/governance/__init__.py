"""Governance as code: policies (Rego), PII, prompt-injection and content checks."""
