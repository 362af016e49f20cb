"""The served app's dependencies run for its own routes only, not for the routes of a sub-app mounted on it."""

import os
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

SECRET = os.environ["JWT_SECRET"]
oauth2 = OAuth2PasswordBearer(tokenUrl="/token")


def current_user(token: Annotated[str, Depends(oauth2)]) -> dict:
    try:
        return jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise HTTPException(401, "invalid token")


# a separate ASGI app: FastAPI does not pass the parent's dependencies down a mount
webhooks = FastAPI(title="Webhooks")


@webhooks.post("/github")  # route: POST /hooks/github anonymous
async def github_event(payload: dict):
    return {"received": payload.get("action")}


@webhooks.get("/deliveries")  # route: GET /hooks/deliveries anonymous
async def list_deliveries():
    return {"deliveries": []}


app = FastAPI(title="Tracker", dependencies=[Depends(current_user)])


@app.get("/issues")  # route: GET /issues authenticated
async def list_issues():
    return {"issues": []}


@app.post("/issues/{issue_id}/close")  # route: POST /issues/{issue_id}/close authenticated
async def close_issue(issue_id: int):
    return {"id": issue_id, "closed": True}


app.mount("/hooks", webhooks)
