from fastapi import APIRouter, Depends

from ..deps import CurrentUser, SessionDep, require_partner_key

router = APIRouter()


@router.get("/me")  # route: GET /api/v1/users/me authenticated
def read_me(current_user: CurrentUser):
    return current_user


@router.post("/signup")  # route: POST /api/v1/users/signup public
def signup(session: SessionDep, email: str):
    return {"email": email}


@router.get("/{user_id}")  # route: GET /api/v1/users/{user_id} anonymous
def read_user(user_id: int, session: SessionDep):
    return session["users"].get(user_id)


@router.post("/import", dependencies=[Depends(require_partner_key)])  # route: POST /api/v1/users/import authenticated
def import_users(session: SessionDep):
    return {"imported": 0}
