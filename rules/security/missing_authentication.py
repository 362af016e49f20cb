from __future__ import annotations

from collections.abc import Iterator

from auditor.engine.rule import Category, Confidence, Result, Rule, Severity
from auditor.model.types import AppModel


class MissingAuthentication(Rule):
    """
    ## What it does
    Finds route handlers that anyone can call: no authenticating dependency on
    the route, its routers, their `include_router(...)` calls or the app, and
    no authenticating middleware or decorator. A dependency counts when it does
    authenticate — depends on a security scheme (`OAuth2PasswordBearer`,
    `HTTPBearer`, `APIKeyHeader`...), verifies a credential, or rejects with
    401/403 — not because of its name. Routes public by nature (health,
    metrics, docs, login, OAuth callbacks), webhook receivers (judged by
    SEC006-SEC009), routes listed in `public-routes`, and routers included only
    in development (`if settings.ENV == "local": include_router(...)`) are exempt.

    ## Why is this bad?
    An endpoint without authentication serves anyone on the internet: they can
    list other customers' data, create and delete records, and drive the
    integrations the service holds credentials for. Scanners find such
    endpoints within hours of a deploy.

    ## Example
    ```python
    @router.get("/agents")
    async def list_agents(org_id: UUID, db: Client = Depends(get_db)):
        return await repo.list_agents(db, org_id)
    ```

    ## Use instead
    ```python
    bearer = HTTPBearer()

    async def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> User:
        try:
            claims = jwt.decode(creds.credentials, settings.jwt_secret, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token")
        return User(id=claims["sub"], org_id=claims["org"])

    router = APIRouter(prefix="/agents", dependencies=[Depends(current_user)])
    ```

    ## Options
    `public-routes` lists path globs (optionally with a method: `"GET /public/*"`)
    that are public on purpose; `auth-dependencies` names the project's own
    auth callables when their code is outside the audited tree.

    ## Known limitations
    Routes added through loops or computed paths are not judged; they are
    listed as unresolved registrations and the verdict is never "ready".

    ## References
    - CWE-306: Missing Authentication for Critical Function
    - OWASP API2:2023 Broken Authentication
    - https://fastapi.tiangolo.com/tutorial/security/
    """

    code = "SEC001"
    name = "missing-authentication"
    title = "Endpoint reachable without authentication"
    category = Category.SECURITY
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    effort = "4h"
    fix = "Add an authenticating dependency (a security scheme plus token verification) at the app or router level, and mark public routes explicitly."
    references = ("CWE-306", "OWASP-API2:2023")
    impact = "Anyone reads and changes the data"
    messages = {
        "unauthenticated": "{route} ({handler}) is reachable without authentication: no auth dependency on the "
        "route, its routers or the app, and no auth middleware.",
    }
    translations = {
        "ru": {
            "impact": "Любой читает и меняет данные",
            "title": "Эндпоинт доступен без аутентификации",
            "fix": "Добавьте зависимость, которая аутентифицирует (схема безопасности и проверка токена), на уровне "
            "приложения или роутера, а публичные маршруты отметьте явно.",
            "why": "Эндпоинт без аутентификации обслуживает любого в интернете: можно листать данные чужих клиентов, "
            "создавать и удалять записи, управлять интеграциями, для которых сервис хранит учётные данные. "
            "Сканеры находят такие эндпоинты в течение нескольких часов после деплоя.",
            "message.unauthenticated": "{route} ({handler}) доступен без аутентификации: ни у маршрута, ни у его "
            "роутеров, ни у приложения нет зависимости-аутентификации и нет аутентифицирующего middleware.",
        }
    }

    def check(self, model: AppModel) -> Iterator[Result]:
        for route in model.routes:
            if route.is_webhook or route.public_reason:
                continue
            label = f"{'/'.join(route.methods)} {route.path}"
            if route.auth.authenticated:
                yield self.passed(f"{label} authenticated by {route.auth.evidence}", route.location)
                continue
            if route.only_when:
                yield self.passed(f"{label} is served only when {route.only_when}", route.location)
                continue
            yield self.finding(route.location, "unauthenticated", anchor=label, route=label, handler=route.handler.rsplit(".", 1)[-1])
