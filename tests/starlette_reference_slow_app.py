"""The Starlette reference service with one slow route, for the graceful-shutdown test (run under uvicorn)."""

import asyncio

from app.main import create_app
from starlette.responses import JSONResponse
from starlette.routing import Route


async def slow(request):
    await asyncio.sleep(2)
    return JSONResponse({"finished": True})


app = create_app()
app.router.routes.insert(0, Route("/slow", slow, methods=["GET"]))
