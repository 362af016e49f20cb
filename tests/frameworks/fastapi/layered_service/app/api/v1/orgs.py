from fastapi import APIRouter, Depends

from ..deps import SessionDep, get_current_user

router = APIRouter(prefix="/orgs", tags=["orgs"], dependencies=[Depends(get_current_user)])


@router.get("/{org_id}/members")  # route: GET /api/v1/orgs/{org_id}/members authenticated
def list_members(org_id: int, session: SessionDep):
    return []


@router.post("/{org_id}/invites")  # route: POST /api/v1/orgs/{org_id}/invites authenticated
def invite(org_id: int, email: str, session: SessionDep):
    return {"org": org_id, "email": email}
