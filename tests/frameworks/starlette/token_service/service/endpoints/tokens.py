"""Token issuance: exempted by the backend (its path is in PUBLIC_PATHS)."""

import datetime

import jwt
from starlette.responses import JSONResponse

from ..auth import SECRET


async def issue_token(request):
    form = await request.form()
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    token = jwt.encode({"sub": form["username"], "exp": expires}, SECRET, algorithm="HS256")
    return JSONResponse({"access_token": token, "token_type": "bearer"})
