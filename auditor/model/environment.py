"""What the service reads from its environment and which systems it talks to."""

from __future__ import annotations

from ..parsing.facts import CallExpr, Const, ModuleFacts, dotted
from .evaluate import Evaluator, Scope
from .types import EnvRead, Integration, Location

# library import prefix -> (what it is, kind); the first match wins
INTEGRATIONS: tuple[tuple[str, str, str], ...] = (
    ("supabase", "Supabase", "database"),
    ("sqlalchemy", "SQL database (SQLAlchemy)", "database"),
    ("sqlmodel", "SQL database (SQLModel)", "database"),
    ("asyncpg", "PostgreSQL (asyncpg)", "database"),
    ("psycopg", "PostgreSQL (psycopg)", "database"),
    ("psycopg2", "PostgreSQL (psycopg2)", "database"),
    ("databases", "SQL database (databases)", "database"),
    ("motor", "MongoDB (motor)", "database"),
    ("pymongo", "MongoDB", "database"),
    ("redis", "Redis", "cache"),
    ("aioredis", "Redis", "cache"),
    ("celery", "Celery", "queue"),
    ("arq", "arq job queue (Redis)", "queue"),
    ("rq", "RQ job queue (Redis)", "queue"),
    ("dramatiq", "Dramatiq", "queue"),
    ("aio_pika", "RabbitMQ (aio-pika)", "queue"),
    ("pika", "RabbitMQ (pika)", "queue"),
    ("aiokafka", "Kafka", "queue"),
    ("kafka", "Kafka", "queue"),
    ("httpx", "HTTP client (httpx)", "http"),
    ("requests", "HTTP client (requests)", "http"),
    ("aiohttp", "HTTP client (aiohttp)", "http"),
    ("stripe", "Stripe", "payments"),
    ("boto3", "AWS (boto3)", "cloud"),
    ("google.cloud", "Google Cloud", "cloud"),
    ("authlib", "OAuth (Authlib)", "auth"),
    ("jwt", "JWT (PyJWT)", "auth"),
    ("jose", "JWT (python-jose)", "auth"),
    ("sentry_sdk", "Sentry", "monitoring"),
    ("prometheus_client", "Prometheus", "monitoring"),
    ("prometheus_fastapi_instrumentator", "Prometheus", "monitoring"),
    ("opentelemetry", "OpenTelemetry", "monitoring"),
    ("structlog", "structlog", "monitoring"),
)


def integrations(modules: list[ModuleFacts]) -> list[Integration]:
    seen: dict[str, list] = {}
    for module in sorted(modules, key=lambda m: m.path):
        for ref in module.imports.values():
            target = ref.module if ref.name is None else f"{ref.module}.{ref.name}"
            for prefix, name, kind in INTEGRATIONS:
                if target == prefix or target.startswith(prefix + "."):
                    entry = seen.setdefault(name, [kind, prefix, Location(module.path, ref.span), set()])
                    entry[3].add(module.path)
                    break
    return [Integration(name, kind, lib, loc, len(paths)) for name, (kind, lib, loc, paths) in sorted(seen.items())]


def env_reads(evaluator: Evaluator, modules: list[ModuleFacts]) -> list[EnvRead]:
    out: list[EnvRead] = []
    for module in modules:
        scopes = [(Scope(module), module.calls)] + [(Scope(module, fn), fn.calls) for fn in module.functions.values()]
        for scope, calls in scopes:
            for site in calls:
                read = _env_read(evaluator, scope, site.call)
                if read is not None:
                    out.append(EnvRead(read[0], read[1], False, Location(module.path, site.call.span)))
        for scope, keyed in [(Scope(module), module.keyed_reads)] + [(Scope(module, fn), fn.keyed_reads) for fn in module.functions.values()]:
            for keyed_read in keyed:
                if evaluator.resolve(scope, keyed_read.container) == "os.environ":
                    out.append(EnvRead(keyed_read.key, None, True, Location(module.path, keyed_read.span)))
    out.sort(key=lambda r: (r.name, r.location.path, r.location.line))
    return out


def _env_read(evaluator: Evaluator, scope: Scope, call: CallExpr) -> tuple[str, str | None] | None:
    if dotted(call.func) is None:
        return None
    target = evaluator.callee(scope, call)
    if target not in ("os.getenv", "os.environ.get", "os.environ.setdefault"):
        return None
    key = call.arg(0, "key")
    if not (isinstance(key, Const) and isinstance(key.value, str)):
        return None
    default = call.arg(1, "default")
    return key.value, repr(default.value) if isinstance(default, Const) else None


def first_imports(modules: list[ModuleFacts]) -> dict[str, Location]:
    """Every imported module or name (`slowapi`, `slowapi.Limiter`) -> where it is first imported."""
    out: dict[str, Location] = {}
    for module in sorted(modules, key=lambda m: m.path):
        for ref in module.imports.values():
            target = ref.module if ref.name is None else f"{ref.module}.{ref.name}"
            out.setdefault(target, Location(module.path, ref.span))
            out.setdefault(ref.module, Location(module.path, ref.span))
    return out
