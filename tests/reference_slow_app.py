"""The reference service with one slow route, for the graceful-shutdown test (run under uvicorn)."""

import asyncio

from app.main import create_app

app = create_app()


@app.get("/slow")
async def slow():
    await asyncio.sleep(2)
    return {"finished": True}
