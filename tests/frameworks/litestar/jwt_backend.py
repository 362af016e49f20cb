"""JWTAuth installed with on_app_init: every route needs a token but its `exclude` patterns,
handlers marked `exclude_from_auth=True`, and HEAD requests (skipped by default)."""

import hmac
import os
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request, Response, get, head, patch, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import JWTAuth, Token


@dataclass
class Account:
    id: str
    email: str


ACCOUNTS: dict[str, Account] = {}
PASSWORDS: dict[str, str] = {}  # hashed in real life


async def retrieve_account(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Account | None:
    return ACCOUNTS.get(token.sub)


async def authenticate(email: str, password: str) -> Account:
    account = next((a for a in ACCOUNTS.values() if a.email == email), None)
    if account is None or not hmac.compare_digest(password, PASSWORDS.get(account.id, "")):
        raise NotAuthorizedException("wrong email or password")
    return account


jwt_auth = JWTAuth[Account](
    retrieve_user_handler=retrieve_account,
    token_secret=os.environ.get("JWT_SECRET", "change-me"),
    exclude=["/auth/login", "^/schema", "^/public/"],
)


@post("/auth/login")  # route: POST /auth/login public
async def login(data: dict[str, str]) -> Response[Account]:
    account = await authenticate(data.get("email", ""), data.get("password", ""))
    return jwt_auth.login(identifier=account.id, response_body=account)


@get("/public/plans")  # route: GET /public/plans anonymous
async def plans() -> list[str]:
    return ["free", "team", "enterprise"]


@get("/changelog", exclude_from_auth=True)  # route: GET /changelog anonymous
async def changelog() -> list[str]:
    return ["2.4: exports"]


@get("/me")  # route: GET /me authenticated
async def me(request: Request[Account, Token, Any]) -> Account:
    return request.user


@patch("/me")  # route: PATCH /me authenticated
async def update_me(request: Request[Account, Token, Any], data: dict[str, str]) -> Account:
    request.user.email = data.get("email", request.user.email)
    return request.user


@get("/files/{file_id:str}")  # route: GET /files/{file_id:str} authenticated
async def download(file_id: str) -> bytes:
    return b""


@head("/files/{file_id:str}")  # route: HEAD /files/{file_id:str} anonymous
async def file_exists(file_id: str) -> None:
    return None


app = Litestar(route_handlers=[login, plans, changelog, me, update_me, download, file_exists], on_app_init=[jwt_auth.on_app_init])
