"""Severities, categories and confidence: the words findings, config and reports share.

Kept apart from the engine so configuration and renderers can use them
without importing the rule machinery.
"""

from __future__ import annotations

from enum import Enum


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r}; expected one of {', '.join(s.value for s in cls)}") from None


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}


class Category(str, Enum):
    ARCHITECTURE = "Architecture"
    SECURITY = "Security"
    RELIABILITY = "Reliability"
    SCALABILITY = "Scalability"
    MONITORING = "Monitoring"
    DOCUMENTATION = "Documentation"


class Confidence(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


__all__ = ["Category", "Confidence", "Severity"]
