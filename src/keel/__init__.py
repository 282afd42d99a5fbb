"""Keel: the production layer for AI agents."""
