"""Does a dependency, decorator, hook or middleware authenticate? Judged by what it does.

A callable authenticates when it depends on one that does (a framework's
security scheme, or a project function that authenticates), when it verifies
a credential (`jwt.decode`, `compare_digest`, ...), or when it rejects a
request with 401/403. A reader that returns a header and never rejects does
not authenticate. Names decide only for code we cannot see (a library's
dependency), and configured names always count. What each framework calls a
dependency, a scheme or a rejection comes from its adapter's `AuthVocabulary`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from ..parsing.facts import Attr, BoolOp, CallExpr, Compare, Const, Expr, FunctionFacts, Guard, Not, Param, Seq, Span, Subscript, callee, dotted
from .evaluate import Evaluator, Scope, names_in, status_code
from .frameworks.base import AuthVocabulary, DependencyRef
from .index import ProjectIndex
from .types import Evidence, Location

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
_REJECTING_EXCEPTION = re.compile(
    r"(Unauthori[sz]ed|NotAuthori[sz]ed|Unauthenticated|NotAuthenticated|Forbidden|PermissionDenied|AuthenticationError|AuthError|InvalidToken|InvalidCredential|CredentialsException)",
    re.I,
)
_AUTH_NAME = re.compile(
    r"(current_(active_|super)?user|authenticat|require_(user|auth|login)|verify_(token|jwt|api_key)|"
    r"auth_required|login_required|jwt_required|get_user_from_token|valid(ate)?_token|api_key_auth)",
    re.I,
)
# What a check reads when it is about the caller's credentials, or about who the caller is.
CREDENTIAL_CHECK = re.compile(r"(is_authenticated|is_anonymous|authorization|token|api_?key|credential)", re.I)
# A role only a signed-in caller can have: a 403 on it turns anonymous callers away too.
ROLE_CHECK = re.compile(r"(admin|superuser|staff|role|is_logged_in|logged_in)", re.I)
CALLER_STATE = re.compile(r"\b(current_user|user|session|identity|principal|get_jwt_identity|get_jwt|viewer|account)\b", re.I)
# Where a request's path or endpoint is read, for hooks and middleware that exempt some routes.
_PATH_READS = re.compile(r"(^|\.)(path|url\.path|full_path|endpoint|url_rule\.rule|raw_path)$")

DependencyFinder = Callable[[Scope, Param], "DependencyRef | None"]


class AuthAnalyzer:
    def __init__(
        self,
        index: ProjectIndex,
        evaluator: Evaluator,
        configured: list[str],
        vocabulary: AuthVocabulary | None = None,
        dependency_of: DependencyFinder | None = None,
    ) -> None:
        self.index = index
        self.evaluator = evaluator
        self.configured = configured
        self.vocabulary = vocabulary or AuthVocabulary()
        self.dependency_of: DependencyFinder = dependency_of or (lambda scope, param: None)
        self._memo: dict[tuple[str, bool], Evidence | None] = {}
        self._composing: set[str] = set()  # wrappers being judged, against decorators that apply each other

    def is_configured(self, qual: str) -> bool:
        short = qual.rsplit(".", 1)[-1].removesuffix("()")
        return any(fnmatch.fnmatchcase(qual, p) or fnmatch.fnmatchcase(short, p) for p in self.configured)

    def _library(self, qual: str) -> bool:
        return qual.startswith(self.vocabulary.library_prefixes) if self.vocabulary.library_prefixes else False

    def _by_name(self, qual: str, location: Location | None = None) -> Evidence | None:
        """Library code we cannot read: the name is all we have."""
        short = qual.rsplit(".", 1)[-1]
        if _AUTH_NAME.search(short) and not self._library(qual):
            return Evidence(f"{short} (judged by its name; its code is not in the audited tree)", location)
        return None

    # --- dependencies -----------------------------------------------------------

    def dependency(self, qual: str, instance: bool = False, depth: int = 0) -> Evidence | None:
        """Evidence that the dependency `qual` (an instance of it, with `instance`) authenticates, or None."""
        key = (qual, instance)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # cycle guard
        result = self._dependency(qual, instance, depth)
        self._memo[key] = result
        return result

    def _dependency(self, qual: str, instance: bool, depth: int) -> Evidence | None:
        short = qual.rsplit(".", 1)[-1]
        if self.is_configured(f"{qual}()" if instance else qual):
            return Evidence(f"{short} (configured auth dependency)")
        if depth > 6:
            return None
        if instance:  # an instance made inline: Depends(JWTBearer())
            return self._instance_of(qual, None, depth)
        if qual in self.vocabulary.schemes:
            return Evidence(f"{short} security scheme")
        located = self.index.lookup(qual)
        if located is None:
            return self._by_name(qual)
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

    def admits_anonymous(self, qual: str, call: CallExpr | None) -> bool:
        """`auto_error=False`, `optional=True`: the scheme or decorator lets anonymous callers through."""
        flag = self.vocabulary.optional_flag.get(qual)
        if flag is None or call is None:
            return False
        kwarg, anonymous = flag.split("=", 1)
        value = call.kwarg(kwarg)
        return isinstance(value, Const) and repr(value.value) == anonymous

    def _instance_of(self, cls: str, call: CallExpr | None, depth: int, location: Location | None = None) -> Evidence | None:
        short = cls.rsplit(".", 1)[-1]
        if cls in self.vocabulary.schemes:
            if self.admits_anonymous(cls, call):
                return None
            return Evidence(f"{short} security scheme", location)
        if cls in self.index.classes:
            return self._class(cls, depth)
        if self.is_configured(cls):
            return Evidence(f"{short} (configured auth dependency)", location)
        # A library dependency factory, e.g. fastapi_users.current_user(active=True)
        return self._by_name(cls, location)

    def _class(self, qual: str, depth: int) -> Evidence | None:
        located = self.index.classes[qual]
        cls = located.definition
        scope = Scope(located.module)
        for base in cls.bases:
            base_qual = self.evaluator.resolve_expr(scope, base)
            if base_qual in self.vocabulary.schemes:
                kind = base_qual.rsplit(".", 1)[-1]
                call_method = self.index.function(f"{qual}.__call__")
                found = self.function(call_method, depth + 1) if call_method is not None else None
                if found is not None:
                    return Evidence(f"{cls.name}: {found.text}", found.location)
                return Evidence(f"{cls.name} (a {kind} security scheme)")
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

    # --- decorators -----------------------------------------------------------------

    def decorator(self, scope: Scope, expr: Expr) -> Evidence | None:
        """Evidence that a decorator wrapping a handler authenticates its caller."""
        call = expr if isinstance(expr, CallExpr) else None
        func = call.func if call is not None else expr
        name = self.evaluator.resolve_expr(scope, func)
        if not name:
            return None
        short = name.rsplit(".", 1)[-1]
        if self.is_configured(name):
            return Evidence(f"@{short} (configured auth decorator)")
        if self.admits_anonymous(name, call):
            return None
        if name in self.vocabulary.decorators:
            return Evidence(f"@{short}")
        receiver = getattr(func, "value", None)
        if receiver is not None:  # @auth.login_required on a Flask-HTTPAuth instance
            cls = self.evaluator.instance_class(scope, receiver)
            methods = self.vocabulary.decorator_methods.get(cls or "")
            if methods is not None and short in methods:
                key = f"{cls}.{short}"
                return None if self.admits_anonymous(key, call) else Evidence(f"@{dotted(func)}")
        inner = [f for q, f in self.index.functions.items() if q == name or q.startswith(f"{name}.<locals>.")]
        for located in inner:
            evidence = self.function(located.definition)
            if evidence is not None:
                return Evidence(f"@{short}: {evidence.text}", evidence.location)
        if not inner and name not in self.index.classes and "." in name:
            found = self._by_name(name)
            if found is not None:
                return Evidence(f"@{found.text}")
        return None

    # --- what a function does ----------------------------------------------------------

    def function(self, fn: FunctionFacts, depth: int = 0) -> Evidence | None:
        located = self.index.functions[fn.qualname]
        scope = Scope(located.module, fn)
        outer = self.evaluator.enclosing(fn, located.module)
        for param in fn.params:
            dep = self.dependency_of(outer, param)
            if dep:
                found = self.dependency(dep.target, dep.instance, depth + 1)
                if found:
                    return Evidence(f"{fn.name} → {found.text}", found.location or Location(located.module.path, param.span))
        if _returns_nobody(fn):  # `if creds is None: return None`: anonymous callers get through
            return None
        verify = self._verifies(scope, fn, depth)
        if verify is not None:
            return Evidence(f"{fn.name} verifies credentials with {verify[0]}", Location(located.module.path, verify[1]))
        reject = self.rejection(scope, fn, depth)
        if reject is not None:
            return Evidence(f"{fn.name} rejects with {reject[0]}", Location(located.module.path, reject[1]))
        return self._applies_auth_decorators(scope, fn, depth)

    def _applies_auth_decorators(self, scope: Scope, fn: FunctionFacts, depth: int) -> Evidence | None:
        """`return key_auth(f)(*args)` / `login_required(f)(...)`: a wrapper that hands over to auth decorators."""
        applied = [site.call.func for site in fn.calls if isinstance(site.call.func, CallExpr)]
        if not applied or depth > 4 or fn.qualname in self._composing:
            return None
        self._composing.add(fn.qualname)
        try:
            found = [self.decorator(scope, expr) for expr in applied]
        finally:
            self._composing.discard(fn.qualname)
        if all(found):
            return Evidence(f"{fn.name} applies {', '.join(e.text for e in found if e)}", found[0].location if found[0] else None)
        return None

    def hook(self, fn: FunctionFacts) -> Evidence | None:
        """A before-request hook authenticates only when it rejects a request without credentials:
        loading the user, or verifying a token only when one is sent, is not enough."""
        located = self.index.functions[fn.qualname]
        scope = Scope(located.module, fn)
        if _returns_nobody(fn):  # an optional login: no credentials, no caller, and the request goes on
            return None
        for site in fn.calls:  # verify_jwt_in_request(): raises when the token is missing
            target = self.evaluator.callee(scope, site.call) or ""
            optional = site.call.kwarg("optional")
            if site.guards or (isinstance(optional, Const) and optional.value is True):
                continue
            if target in VERIFYING_CALLS or (_VERIFYING_METHOD.search(target) and not target.startswith(("json.", "pickle.", "yaml."))):
                return Evidence(f"{fn.name} verifies credentials with {target}", Location(located.module.path, site.call.span))
        reject = self.rejection(scope, fn)
        if reject is None:
            return None
        if reject[0] == "HTTP 403" or "forbidden" in reject[0].lower() or "permission" in reject[0].lower():
            # a 403 for a reason of its own (maintenance, an import in progress) is not a login check
            about_caller = [
                span
                for _, span, guards in self.rejecting_sites(scope, fn)
                if any(CREDENTIAL_CHECK.search(n) or CALLER_STATE.search(n) for g in guards for n in names_in(g.test))
            ]
            if not about_caller:
                return None
            reject = (reject[0], about_caller[0])
        return Evidence(f"{fn.name} rejects with {reject[0]}", Location(located.module.path, reject[1]))

    def rejecting_call(self, scope: Scope, call: CallExpr) -> int | None:
        """The status a call answers with when it is a rejection: `abort(401)`, `login_manager.unauthorized()`."""
        target = self.evaluator.callee(scope, call) or ""
        status_at = self.vocabulary.rejecting_calls.get(target)
        if status_at is None and isinstance(call.func, Attr):
            cls = self.evaluator.instance_class(scope, call.func.value)
            status_at = self.vocabulary.rejecting_calls.get(f"{cls}.{call.func.attr}") if cls else None
        if status_at is None:
            return None
        return 401 if status_at < 0 else status_code(call.arg(status_at, "code"))

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
            code = self._returned_status(ret.value)
            if code in (401, 403):
                return f"HTTP {code}", ret.span
        for call_site in fn.calls:  # `abort(401)`, or a helper that raises for us
            target = self.evaluator.callee(scope, call_site.call)
            code = self.rejecting_call(scope, call_site.call) if self.vocabulary.rejecting_calls else None
            if code in (401, 403):
                return f"HTTP {code}", call_site.call.span
            located = self.index.functions.get(target) if target else None
            if located is not None and depth < 3 and located.definition.qualname != fn.qualname:
                found = self.rejection(Scope(located.module, located.definition), located.definition, depth + 1)
                if found:
                    return found[0], call_site.call.span
        return None

    def rejecting_sites(self, scope: Scope, fn: FunctionFacts) -> list[tuple[str, Span, tuple[Guard, ...]]]:
        """Each place `fn` itself answers 401/403: a raise, a return or an `abort(...)`, with its guards."""
        out: list[tuple[str, Span, tuple[Guard, ...]]] = []
        for site in fn.raises:
            described = self._rejecting(scope, site.exc)
            if described:
                out.append((described, site.span, site.guards))
        for ret in fn.return_sites:
            code = self._returned_status(ret.value)
            if code in (401, 403):
                out.append((f"HTTP {code}", ret.span, ret.guards))
        for call_site in fn.calls:
            code = self.rejecting_call(scope, call_site.call) if self.vocabulary.rejecting_calls else None
            if code in (401, 403):
                out.append((f"HTTP {code}", call_site.call.span, call_site.guards))
        return out

    @staticmethod
    def _returned_status(value: Expr | None) -> int | None:
        if isinstance(value, Seq) and value.kind == "tuple" and len(value.items) >= 2:  # Flask: `return body, 401`
            return status_code(value.items[1])
        if isinstance(value, CallExpr):
            return status_code(value.kwarg("status_code")) or status_code(value.kwarg("status"))
        return None

    def _rejecting(self, scope: Scope, exc: Expr | None) -> str | None:
        call = exc if isinstance(exc, CallExpr) else None
        if call is None and dotted(exc):  # raise CREDENTIALS_ERROR, a module-level HTTPException(401)
            located = self.index.globals.get(self.evaluator.resolve(scope, dotted(exc)))  # type: ignore[arg-type]
            value = located[-1].definition.value if located else None
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

    # --- exemptions -----------------------------------------------------------------------

    def exempts(self, fn: FunctionFacts, path: str, endpoint: str | None, opts: frozenset[str] = frozenset()) -> bool:
        """Whether a hook or middleware lets this route through before it rejects anyone.

        It does when an early `return` (or a call to the next handler) runs under a
        test of the request's path or endpoint that this route passes:
        `if request.endpoint in PUBLIC: return`, `if request.url.path.startswith("/public"): ...`.
        """
        located = self.index.functions[fn.qualname]
        scope = Scope(located.module, fn)
        reject = self.rejection(scope, fn)
        limit = reject[1].line if reject else None
        sites = self.rejecting_sites(scope, fn)
        if sites and all(self._guard_false(scope, guards, path, endpoint, opts) for _, _, guards in sites):
            return True  # `if request.url.path != "/health" and ...: return 401` never rejects /health
        for ret in fn.return_sites:
            if (limit is not None and ret.span.line > limit) or self._returned_status(ret.value) in (401, 403):
                continue
            for guard in ret.guards:
                verdict = self._path_test(scope, guard.test, path, endpoint, opts)
                if verdict is not None and verdict != guard.negated:
                    return True
        return False

    def _guard_false(self, scope: Scope, guards: tuple[Guard, ...], path: str, endpoint: str | None, opts: frozenset[str]) -> bool:
        for guard in guards:
            verdict = self._path_test(scope, guard.test, path, endpoint, opts)
            if verdict is not None and verdict == guard.negated:
                return True
        return False

    def _path_test(self, scope: Scope, test: Expr, path: str, endpoint: str | None, opts: frozenset[str] = frozenset()) -> bool | None:
        """What a test of the request's path/endpoint evaluates to for this route; None when it is not one."""
        if isinstance(test, Not):
            inner = self._path_test(scope, test.value, path, endpoint, opts)
            return None if inner is None else not inner
        if isinstance(test, BoolOp):
            sides = (self._path_test(scope, test.left, path, endpoint, opts), self._path_test(scope, test.right, path, endpoint, opts))
            decisive = test.op == "or"  # True decides an `or`, False decides an `and`
            if decisive in sides:
                return decisive
            return None if None in sides else not decisive
        if isinstance(test, Compare) and len(test.ops) == 1:
            subject = dotted(test.left) or _scope_key(test.left)
            if not subject or not _PATH_READS.search(subject):
                return None
            actual = endpoint if subject.endswith("endpoint") else path
            value = self.evaluator.evaluate(scope, test.comparators[0])
            if not value.known or actual is None:
                return None
            op = test.ops[0]
            items = value.value if isinstance(value.value, (list, tuple, set, frozenset)) else [value.value]
            if op in ("in", "not in"):
                found = actual in items if not isinstance(value.value, str) else actual in value.value
                return found if op == "in" else not found
            if op in ("==", "!="):
                return (actual == value.value) == (op == "==")
            return None
        opt = _opt_key(test)  # `route_handler.opt.get("public")`: a flag the handler carries
        if opt is not None:
            return opt in opts
        if isinstance(test, CallExpr) and isinstance(test.func, Attr) and test.func.attr == "startswith":
            subject = dotted(test.func.value)
            if not subject or not _PATH_READS.search(subject):
                return None
            actual = endpoint if subject.endswith("endpoint") else path
            value = self.evaluator.evaluate(scope, test.arg(0))
            if not value.known or actual is None:
                return None
            prefixes = value.value if isinstance(value.value, (list, tuple)) else [value.value]
            return any(isinstance(p, str) and actual.startswith(p) for p in prefixes)
        return None


def _opt_key(expr: Expr) -> str | None:
    """The key of `handler.opt.get("key")` / `handler.opt["key"]`."""
    if isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr == "get" and expr.args:
        owner, key = expr.func.value, expr.args[0]
    elif isinstance(expr, Subscript) and len(expr.index) == 1:
        owner, key = expr.value, expr.index[0]
    else:
        return None
    if (dotted(owner) or "").endswith(".opt") and isinstance(key, Const) and isinstance(key.value, str):
        return key.value
    return None


def _scope_key(expr: Expr) -> str | None:
    """`scope["path"]` in a pure ASGI middleware reads the path too."""
    if isinstance(expr, Subscript) and len(expr.index) == 1 and isinstance(expr.index[0], Const) and expr.index[0].value in ("path", "raw_path"):
        return "path"
    return None


def _returns_nobody(fn: FunctionFacts) -> bool:
    """A function that returns the caller, but `None` under some test: anonymous callers get through.

    (A middleware's bare `return` after passing the request on is not this: it returns nobody anywhere.)"""

    def empty(value: Expr | None) -> bool:
        if isinstance(value, CallExpr):  # `AuthenticationResult(user=None, auth=None)`: a result with nobody in it
            user = value.kwarg("user") if value.kwarg("user") is not None else value.arg(0)
            return isinstance(user, Const) and user.value is None
        return value is None or (isinstance(value, Const) and value.value is None)

    returns_someone = any(not empty(ret.value) for ret in fn.return_sites)
    return returns_someone and not fn.yields and any(ret.guards and empty(ret.value) for ret in fn.return_sites)
