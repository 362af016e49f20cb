"""Sub-apps mounted on the served app: their own dependencies apply to their routes, under the mount path."""

import hmac
import os
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException

ADMIN_TOKEN = os.environ["ADMIN_TOKEN"]


def require_admin(x_admin_token: Annotated[str, Header()] = "") -> None:
    if not hmac.compare_digest(x_admin_token, ADMIN_TOKEN):
        raise HTTPException(status_code=403, detail="admins only")


admin = FastAPI(title="Admin", dependencies=[Depends(require_admin)])


@admin.get("/users")  # route: GET /admin/users authenticated
def list_users(limit: int = 50):
    return {"users": [], "limit": limit}


@admin.post("/cache/flush")  # route: POST /admin/cache/flush authenticated
def flush_cache():
    return {"flushed": True}


partners = FastAPI(title="Partner catalogue", openapi_url="/openapi.json")
catalog = APIRouter(prefix="/v1/catalog", tags=["catalog"])


@catalog.get("")  # route: GET /partners/v1/catalog anonymous
def list_products(page: int = 1):
    return {"page": page, "products": []}


@catalog.get("/{sku}")  # route: GET /partners/v1/catalog/{sku} anonymous
def get_product(sku: str):
    return {"sku": sku}


partners.include_router(catalog)

app = FastAPI(title="Storefront")


@app.get("/healthz")  # route: GET /healthz public
def healthz():
    return {"ok": True}


@app.get("/")  # route: GET / anonymous
def index():
    return {"shop": "open"}


app.mount("/admin", admin)
app.mount("/partners", partners)
