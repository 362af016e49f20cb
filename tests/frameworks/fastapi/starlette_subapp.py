"""A plain Starlette app mounted inside a FastAPI service: its routes are served under the mount path."""

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

INTERNAL_TOKENS = {"svc-reporting"}


def internal_caller(x_internal_token: Annotated[str, Header()] = "") -> str:
    if x_internal_token not in INTERNAL_TOKENS:
        raise HTTPException(401, "internal callers only")
    return x_internal_token


async def legacy_status(request):
    return PlainTextResponse("OK")


async def legacy_order(request):
    # the pre-FastAPI endpoint some clients still call; nothing checks who they are
    return JSONResponse({"order": request.path_params["order_id"], "status": "shipped"})


legacy = Starlette(
    routes=[
        Route("/status", legacy_status),  # route: GET /legacy/status anonymous
        Route("/orders/{order_id:int}", legacy_order),  # route: GET /legacy/orders/{order_id:int} anonymous
    ]
)

app = FastAPI(title="Orders")


@app.get("/orders/{order_id}")  # route: GET /orders/{order_id} authenticated
def get_order(order_id: int, caller: Annotated[str, Depends(internal_caller)]):
    return {"order": order_id, "caller": caller}


app.mount("/legacy", legacy)
