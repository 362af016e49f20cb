"""What counts as a secret, by name, and which values are placeholders rather than secrets."""

from __future__ import annotations

import re

SECRET_NAME = re.compile(
    r"(^|_)(secret|password|passwd|pwd|api_?key|apikey|private_?key|signing_?key|encryption_?key|"
    r"access_?token|refresh_?token|auth_?token|bearer_?token|token|client_?secret|webhook_?secret|"
    r"service_?role(_key)?|jwt_?secret|secret_?key|credentials?)$",
    re.I,
)
# Names that mention a secret but hold no secret value.
NOT_SECRET = re.compile(r"(_url|_uri|_endpoint|_path|_file|_name|_header|_prefix|_length|_len|_ttl|_expire\w*|_algorithm|_type|_field|_id)$", re.I)
# URLs whose userinfo carries a password: redis://:pw@host, postgresql://u:pw@host
CREDENTIAL_URL_NAME = re.compile(r"(redis|database|db|postgres\w*|mysql|mongo\w*|amqp|rabbit\w*|broker|dsn|celery)_?(url|uri|dsn)$|^dsn$", re.I)


def is_secret_name(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return bool(SECRET_NAME.search(last)) and not NOT_SECRET.search(last)


def is_credential_url_name(name: str) -> bool:
    return bool(CREDENTIAL_URL_NAME.search(name.rsplit(".", 1)[-1]))
