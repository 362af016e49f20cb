from fastapi import APIRouter

from ..deps import SessionDep

router = APIRouter()


@router.get("/stats")  # route: GET /api/v1/admin/stats authenticated
def stats(session: SessionDep):
    return {"users": len(session["users"])}


@router.delete("/users/{user_id}", status_code=204)  # route: DELETE /api/v1/admin/users/{user_id} authenticated
def delete_user(user_id: int, session: SessionDep):
    session["users"].pop(user_id, None)
