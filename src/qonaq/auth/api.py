"""JSON routes to obtain an API token and to see who you are."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from qonaq.auth.models import User
from qonaq.auth.service import AuthError, actor_of, authenticate, issue_api_token
from qonaq.plaintext import UserInput
from qonaq.web.deps import SessionDep, require

router = APIRouter(tags=["auth"])
AnyRole = Annotated[User, Depends(require("coordinator", "registrar", "host", "volunteer"))]


class Credentials(UserInput):
    """A username and password, exchanged for a bearer token."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenRead(BaseModel):
    """A bearer token for the Authorization header; shown once."""

    access_token: str
    token_type: str = "bearer"


class UserRead(BaseModel):
    """The signed-in user."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: str
    settlement_id: str | None
    language: str


@router.post("/auth/token", response_model=TokenRead, openapi_extra={"x-public": True})
def post_token(body: Credentials, session: SessionDep) -> TokenRead:
    """Exchange a username and password for a bearer API token (public)."""
    try:
        user = authenticate(db_session=session, username=body.username, password=body.password)
    except AuthError as exc:
        raise HTTPException(401, str(exc)) from exc
    return TokenRead(
        access_token=issue_api_token(db_session=session, user=user, actor=actor_of(user))
    )


@router.get("/me", response_model=UserRead)
def get_me(user: AnyRole) -> UserRead:
    """The user the request is signed in as."""
    return UserRead.model_validate(user)
