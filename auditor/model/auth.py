"""Does a dependency or middleware authenticate? Judged by what it does.

A callable authenticates when it depends on one that does (a security scheme
such as `OAuth2PasswordBearer`, or a project function that authenticates),
when it verifies a credential (`jwt.decode`, `compare_digest`, ...), or when
it rejects a request with 401/403. A reader that returns a header and never
rejects does not authenticate. Names decide only for code we cannot see
(a library's dependency), and configured names always count.
"""

from __future__ import annotations

import fnmatch
import re

from ..parsing.facts import CallExpr, Const, Expr, FunctionFacts, Subscript, callee, dotted
from .evaluate import Evaluator, Scope, status_code
from .index import ProjectIndex
from .types import Evidence, Location

SECURITY_SCHEMES = frozenset(
    f"fastapi.security.{n}"
    for n in (
        "OAuth2PasswordBearer",
        "OAuth2AuthorizationCodeBearer",
        "OAuth2",
        "HTTPBearer",
        "HTTPBasic",
        "HTTPDigest",
        "APIKeyHeader",
        "APIKeyQuery",
        "APIKeyCookie",
        "OpenIdConnect",
    )
)
# Calls that check a credential; most raise on a bad one.
VERIFYING_CALLS = frozenset(
    {
        "jwt.decode",
        "jose.jwt.decode",
        "jwt.api_jwt.decode",
        "authlib.jose.jwt.decode",
        "firebase_admin.auth.verify_id_token",
        "google.oauth2.id_token.verify_oauth2_token",
        "hmac.compare_digest",
        "secrets.compare_digest",
        "bcrypt.checkpw",
        "jwt.PyJWT.decode",
    }
)
_VERIFYING_METHOD = re.compile(r"(^|\.)(verify\w*|decode_token|validate_token|get_user|check_password|checkpw|loads)$")
_REJECTING_EXCEPTION = re.compile(r"(Unauthori[sz]ed|Unauthenticated|NotAuthenticated|Forbidden|PermissionDenied|AuthenticationError|AuthError|InvalidToken|InvalidCredential|CredentialsException)", re.I)
_AUTH_NAME = re.compile(
    r"(current_(active_|super)?user|authenticat|require_(user|auth|login)|verify_(token|jwt|api_key)|"
    r"auth_required|login_required|jwt_required|get_user_from_token|valid(ate)?_token|api_key_auth)",
    re.I,
)
DEPENDS = frozenset({"fastapi.Depends", "fastapi.Security"})


def dependency_target(evaluator: Evaluator, scope: Scope, expr: Expr | None) -> tuple[str, tuple[str, ...]] | None:
    """For `Depends(x)` / `Security(x, scopes=[...])`: x's qualified name and the scopes."""
    if not isinstance(expr, CallExpr):
        return None
    if evaluator.callee(scope, expr) not in DEPENDS:
        return None
    target = expr.arg(0, "dependency")
    if target is None:
        return None
    scopes_expr = expr.kwarg("scopes")
    scopes = tuple(
        i.value for i in getattr(scopes_expr, "items", ()) if isinstance(i, Const) and isinstance(i.value, str)
    )
    if isinstance(target, CallExpr):  # Depends(JWTBearer()) or Depends(require_role("admin"))
        name = evaluator.callee(scope, target)
        return (f"{name}()" if name else "?", scopes)
    name = evaluator.resolve_expr(scope, target)
    return (name, scopes) if name else None


def annotated_dependency(evaluator: Evaluator, scope: Scope, annotation: Expr | None, _depth: int = 0):
    """`Annotated[User, Depends(get_user)]`, directly or through an alias in another module."""
    if annotation is None or _depth > 5:
        return None
    if isinstance(annotation, Subscript):
        if (evaluator.resolve_expr(scope, annotation.value) or "").endswith("Annotated"):
            for meta in annotation.index[1:]:
                found = dependency_target(evaluator, scope, meta)
                if found:
                    return found
        return None
    name = dotted(annotation)
    if name is None:
        return None
    qual = evaluator.resolve(scope, name)
    located = evaluator.index.globals.get(qual)
    if located:
        alias = located[-1]
        return annotated_dependency(evaluator, Scope(alias.module), alias.definition.value, _depth + 1)  # type: ignore[union-attr]
    return None


class AuthAnalyzer:
    def __init__(self, index: ProjectIndex, evaluator: Evaluator, configured: list[str]) -> None:
        self.index = index
        self.evaluator = evaluator
        self.configured = configured
        self._memo: dict[str, Evidence | None] = {}

    def is_configured(self, qual: str) -> bool:
        short = qual.rsplit(".", 1)[-1].removesuffix("()")
        return any(fnmatch.fnmatchcase(qual, p) or fnmatch.fnmatchcase(short, p) for p in self.configured)

    def dependency(self, qual: str, depth: int = 0) -> Evidence | None:
        """Evidence that the dependency `qual` authenticates, or None."""
        if qual in self._memo:
            return self._memo[qual]
        self._memo[qual] = None  # cycle guard
        result = self._dependency(qual, depth)
        self._memo[qual] = result
        return result

    def _dependency(self, qual: str, depth: int) -> Evidence | None:
        short = qual.rsplit(".", 1)[-1]
        if self.is_configured(qual):
            return Evidence(f"{short} (configured auth dependency)")
        if depth > 6:
            return None
        if qual.endswith("()"):  # an instance made inline: Depends(JWTBearer())
            return self._instance_of(qual[:-2], None, depth)
        if qual in SECURITY_SCHEMES:
            return Evidence(f"{short} security scheme")
        located = self.index.lookup(qual)
        if located is None:
            # Library code we cannot read: the name is all we have.
            if _AUTH_NAME.search(short) and not qual.startswith(("fastapi.", "starlette.")):
                return Evidence(f"{short} (judged by its name; its code is not in the audited tree)")
            return None
        definition = located.definition
        if isinstance(definition, FunctionFacts):
            return self.function(definition, depth)
        if qual in self.index.classes:
            return self._class(qual, depth)
        value = getattr(definition, "value", None)
        if isinstance(value, CallExpr):  # oauth2_scheme = OAuth2PasswordBearer(...)
            cls = self.evaluator.callee(Scope(located.module), value)
            if cls is not None:
                return self._instance_of(cls, value, depth, Location(located.module.path, definition.span))  # type: ignore[union-attr]
        return None

    def _instance_of(self, cls: str, call: CallExpr | None, depth: int, location: Location | None = None) -> Evidence | None:
        short = cls.rsplit(".", 1)[-1]
        if cls in SECURITY_SCHEMES:
            auto_error = call.kwarg("auto_error") if call is not None else None
            if isinstance(auto_error, Const) and auto_error.value is False:
                return None  # lets anonymous requests through
            return Evidence(f"{short} security scheme", location)
        if cls in self.index.classes:
            return self._class(cls, depth)
        if self.is_configured(cls):
            return Evidence(f"{short} (configured auth dependency)", location)
        # A library dependency factory, e.g. fastapi_users.current_user(active=True)
        if _AUTH_NAME.search(short) and not cls.startswith(("fastapi.", "starlette.")):
            return Evidence(f"{short} (judged by its name; its code is not in the audited tree)", location)
        return None

    def _class(self, qual: str, depth: int) -> Evidence | None:
        located = self.index.classes[qual]
        cls = located.definition
        scope = Scope(located.module)
        for base in cls.bases:  # type: ignore[union-attr]
            base_qual = self.evaluator.resolve_expr(scope, base)
            if base_qual in SECURITY_SCHEMES:
                call_method = self.index.function(f"{qual}.__call__")
                if call_method is None:
                    return Evidence(f"{cls.name} (a {base_qual.rsplit('.', 1)[-1]} security scheme)")  # type: ignore[union-attr]
                found = self.function(call_method, depth + 1)
                if found is not None:
                    return Evidence(f"{cls.name}: {found.text}", found.location)  # type: ignore[union-attr]
                return Evidence(f"{cls.name} (a {base_qual.rsplit('.', 1)[-1]} security scheme)")  # type: ignore[union-attr]
        for method in ("__call__", "__init__"):
            fn = self.index.function(f"{qual}.{method}")
            if fn is not None:
                found = self.function(fn, depth + 1)
                if found:
                    return found
        return None

    def middleware_class(self, qual: str) -> Evidence | None:
        """A middleware class authenticates when its dispatch/__call__ rejects or verifies."""
        short = qual.rsplit(".", 1)[-1]
        if self.is_configured(qual):
            return Evidence(f"{short} (configured auth middleware)")
        for method in ("dispatch", "__call__"):
            fn = self.index.function(f"{qual}.{method}")
            if fn is not None:
                found = self.function(fn)
                if found is not None:
                    return found
        return None

    def function(self, fn: FunctionFacts, depth: int = 0) -> Evidence | None:
        located = self.index.functions[fn.qualname]
        scope = Scope(located.module, fn)
        at = lambda span: Location(located.module.path, span)  # noqa: E731
        for param in fn.params:
            dep = dependency_target(self.evaluator, self.evaluator.enclosing(fn, located.module), param.default)
            dep = dep or annotated_dependency(self.evaluator, self.evaluator.enclosing(fn, located.module), param.annotation)
            if dep:
                found = self.dependency(dep[0], depth + 1)
                if found:
                    return Evidence(f"{fn.name} → {found.text}", found.location or at(param.span))
        verify = self._verifies(scope, fn, depth)
        if verify is not None:
            return Evidence(f"{fn.name} verifies credentials with {verify[0]}", at(verify[1]))
        reject = self.rejection(scope, fn, depth)
        if reject is not None:
            return Evidence(f"{fn.name} rejects with {reject[0]}", at(reject[1]))
        return None

    def _verifies(self, scope: Scope, fn: FunctionFacts, depth: int):
        for site in fn.calls:
            target = self.evaluator.callee(scope, site.call)
            if target is None:
                continue
            if target in VERIFYING_CALLS:
                return target, site.call.span
            if _VERIFYING_METHOD.search(target) and not target.startswith(("json.", "pickle.", "yaml.")):
                if target.endswith(".loads") and "serializ" not in target.lower() and "itsdangerous" not in target:
                    continue
                if target.endswith("get_user") and ".auth." not in target:
                    continue
                return target, site.call.span
            inner = self.index.function(target)
            if inner is not None and depth < 4 and inner.qualname != fn.qualname:
                nested = self._verifies(Scope(self.index.functions[target].module, inner), inner, depth + 1)
                if nested is not None:
                    return nested[0], site.call.span
        return None

    def rejection(self, scope: Scope, fn: FunctionFacts, depth: int = 0):
        """How the function answers 401/403 (or raises an auth error), if it does."""
        for site in fn.raises:
            described = self._rejecting(scope, site.exc)
            if described:
                return described, site.span
        for ret in fn.return_sites:
            if isinstance(ret.value, CallExpr):
                code = status_code(ret.value.kwarg("status_code"))
                if code in (401, 403):
                    return f"HTTP {code}", ret.span
        for site in fn.calls:  # a helper that raises for us
            target = self.evaluator.callee(scope, site.call)
            inner = self.index.function(target) if target else None
            if inner is not None and depth < 3 and inner.qualname != fn.qualname:
                found = self.rejection(Scope(self.index.functions[target].module, inner), inner, depth + 1)
                if found:
                    return found[0], site.call.span
        return None

    def _rejecting(self, scope: Scope, exc: Expr | None) -> str | None:
        call = exc if isinstance(exc, CallExpr) else None
        if call is None and dotted(exc):  # raise CREDENTIALS_ERROR, a module-level HTTPException(401)
            located = self.index.globals.get(self.evaluator.resolve(scope, dotted(exc)))  # type: ignore[arg-type]
            value = located[-1].definition.value if located else None  # type: ignore[union-attr]
            if isinstance(value, CallExpr):
                scope, call = Scope(located[-1].module), value  # type: ignore[index]
        name = callee(call) if call else dotted(exc)
        if name is None:
            return None
        qual = self.evaluator.resolve(scope, name)
        if call is not None and qual.endswith("HTTPException"):
            code = status_code(call.arg(0, "status_code"))
            return f"HTTP {code}" if code in (401, 403) else None
        short = qual.rsplit(".", 1)[-1]
        if _REJECTING_EXCEPTION.search(short):
            return short
        return None
