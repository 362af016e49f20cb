from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from ..deps import SessionDep

router = APIRouter()


@router.post("/login/access-token")  # route: POST /api/v1/login/access-token public
def login_access_token(session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    return {"access_token": form.username, "token_type": "bearer"}


@router.post("/password-recovery/{email}")  # route: POST /api/v1/password-recovery/{email} public
def recover_password(email: str, session: SessionDep):
    return {"message": "recovery email sent"}
