"""Renderers: the audit result as text, JSON or SARIF."""
