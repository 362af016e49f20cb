"""Security schemes: bearer/OAuth2/basic/API key; auto_error=False that lets anonymous in, or that rejects itself."""

import hmac
import os
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBasicCredentials, HTTPBearer, OAuth2PasswordBearer

SECRET = os.environ["JWT_SECRET"]
app = FastAPI()
oauth2 = OAuth2PasswordBearer(tokenUrl="/token", scopes={"items:write": "change items"})
optional_oauth2 = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)
partner_key = APIKeyHeader(name="X-Partner-Key", auto_error=False)
basic = HTTPBasic()


def current_user(token: Annotated[str, Depends(oauth2)]) -> dict:
    try:
        return jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})


def verify_partner(key: Annotated[str | None, Security(partner_key)]) -> str:
    # auto_error=False only so the error can be ours: a missing key is rejected here
    if key is None or not hmac.compare_digest(key, os.environ["PARTNER_KEY"]):
        raise HTTPException(401, "partner key required")
    return key


class JWTBearer(HTTPBearer):
    async def __call__(self, request: Request) -> dict:
        creds = await super().__call__(request)
        try:
            return jwt.decode(creds.credentials, SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            raise HTTPException(403, "invalid token")


@app.post("/token")  # route: POST /token public
def issue_token(username: str):
    return {"access_token": jwt.encode({"sub": username}, SECRET, algorithm="HS256")}


@app.get("/catalog")  # route: GET /catalog anonymous
def catalog(token: Annotated[str | None, Depends(optional_oauth2)]):
    return {"signed_in": token is not None, "items": []}


@app.put("/items/{item_id}")  # route: PUT /items/{item_id} authenticated
def update_item(item_id: int, user: Annotated[dict, Security(current_user, scopes=["items:write"])]):
    return {"id": item_id, "by": user["sub"]}


@app.post("/partners/sync", dependencies=[Depends(verify_partner)])  # route: POST /partners/sync authenticated
def partner_sync():
    return {"queued": True}


@app.get("/reports/{report_id}", dependencies=[Depends(JWTBearer())])  # route: GET /reports/{report_id} authenticated
def get_report(report_id: int):
    return {"id": report_id}


@app.get("/metrics/raw")  # route: GET /metrics/raw authenticated
def raw_metrics(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]):
    ok = hmac.compare_digest(credentials.username.encode(), b"prometheus") and hmac.compare_digest(credentials.password.encode(), os.environ["SCRAPE_PASSWORD"].encode())
    if not ok:
        raise HTTPException(401, "bad credentials", headers={"WWW-Authenticate": "Basic"})
    return {"requests_total": 0}
