"""auto_error=False with a dependency that decodes the token only when one is sent: anonymous callers get through."""

import os
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

SECRET = os.environ["JWT_SECRET"]
app = FastAPI()
optional_bearer = HTTPBearer(auto_error=False)
bearer = HTTPBearer()


def optional_user(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(optional_bearer)]) -> dict | None:
    if creds is None:
        return None  # anonymous visitors are welcome
    try:
        return jwt.decode(creds.credentials, SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise HTTPException(401, "invalid token")


def required_user(creds: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> dict:
    try:
        return jwt.decode(creds.credentials, SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise HTTPException(401, "invalid token")


@app.get("/feed")  # route: GET /feed anonymous
def feed(user: Annotated[dict | None, Depends(optional_user)]):
    return {"personalised": user is not None, "items": []}


@app.get("/articles/{slug}")  # route: GET /articles/{slug} anonymous
def read_article(slug: str, user: Annotated[dict | None, Depends(optional_user)]):
    return {"slug": slug, "bookmarked": bool(user)}


@app.post("/articles/{slug}/bookmark")  # route: POST /articles/{slug}/bookmark authenticated
def bookmark(slug: str, user: Annotated[dict, Depends(required_user)]):
    return {"slug": slug, "user": user["sub"]}
