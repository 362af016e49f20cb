"""The rule catalog (shared/RULES.md) is a public contract: every code, with its slug, is implemented."""

from __future__ import annotations

# Codes and slugs as RULES.md publishes them; they never change meaning once shipped.
CATALOG = {
    "SEC001": "missing-authentication", "SEC002": "missing-authorization", "SEC003": "permissive-cors",
    "SEC004": "privileged-db-key", "SEC005": "no-rate-limit", "SEC006": "optional-webhook-signature",
    "SEC007": "insecure-signature-compare", "SEC008": "webhook-replay", "SEC009": "webhook-source-unchecked",
    "SEC010": "oauth-state-unbound", "SEC011": "secret-in-logs", "SEC012": "debug-enabled",
    "SEC013": "hardcoded-secret", "SEC014": "optional-secret-setting", "SEC015": "missing-security-headers",
    "SEC016": "jwt-unverified", "SEC017": "tls-verification-disabled", "SEC018": "error-details-exposed",
    "REL001": "no-graceful-shutdown", "REL002": "shallow-health-check", "REL003": "missing-timeout",
    "REL004": "no-token-refresh", "REL005": "no-retry-or-breaker", "REL006": "client-per-request",
    "REL007": "blocking-call-in-async", "SCL001": "no-body-size-limit", "SCL002": "unbounded-page-size",
    "OBS001": "no-metrics", "OBS002": "no-error-tracking", "OBS003": "no-correlation-id",
    "OBS004": "no-audit-log", "OBS005": "unstructured-logging", "DOC001": "no-api-versioning",
    "DOC002": "no-api-docs", "ARC001": "unvalidated-input", "ARC002": "unvalidated-config",
}
CATEGORY_OF_PREFIX = {"SEC": "Security", "REL": "Reliability", "SCL": "Scalability", "OBS": "Monitoring", "DOC": "Documentation", "ARC": "Architecture"}


def test_every_catalog_code_is_implemented_with_its_slug_and_category(registry):
    implemented = {r.code: r for r in registry.builtin()}
    assert set(implemented) == set(CATALOG)
    for code, slug in CATALOG.items():
        rule = implemented[code]
        assert rule.name == slug
        assert rule.category.value == CATEGORY_OF_PREFIX[code[:3]]
        assert rule.problems() == []  # docs sections, effort, fix, messages
