"""Scalability rules."""
