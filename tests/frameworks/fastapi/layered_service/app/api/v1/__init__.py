"""The v1 router: each module's router, with the prefixes and dependencies of its include."""

from fastapi import APIRouter, Depends

from ..deps import get_current_active_superuser
from . import admin, login, orgs, users

api_router = APIRouter()
api_router.include_router(login.router, tags=["login"])
api_router.include_router(users.router, prefix="/users", tags=["users"])
api_router.include_router(orgs.router)
api_router.include_router(admin.router, prefix="/admin", dependencies=[Depends(get_current_active_superuser)])
