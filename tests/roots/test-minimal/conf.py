"""Sphinx alone, for tests/test_upstream.py: the asset objects Sphinx hands to templates."""

project = "Minimal"
