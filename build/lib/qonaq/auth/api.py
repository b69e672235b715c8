"""JSON routes to obtain an API token and to see who you are."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from qonaq.auth.models import User
from qonaq.auth.service import AuthError, HashingBusy
from qonaq.auth.sign_in import Throttled, sign_in
from qonaq.plaintext import UserInput
from qonaq.web.deps import client_address, require

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


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str


SIGN_IN_REFUSALS: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "Wrong username or password."},
    429: {
        "model": Problem,
        "description": "Too many failed sign-ins for this account or client; see Retry-After.",
    },
    503: {
        "model": Problem,
        "description": "Every password check of the server is busy; see Retry-After.",
    },
}


@router.post(
    "/auth/token",
    response_model=TokenRead,
    responses=SIGN_IN_REFUSALS,
    openapi_extra={"x-public": True},
)
def post_token(body: Credentials, request: Request) -> TokenRead:
    """Exchange a username and password for a bearer API token (public)."""
    try:
        signed_in = sign_in(
            engine=request.app.state.engine, username=body.username, password=body.password,
            client=client_address(request), kind="api",
        )  # fmt: skip
    except Throttled as exc:
        detail = f"too many failed sign-ins; try again in {exc.retry_after_seconds} s"
        headers = {"Retry-After": str(exc.retry_after_seconds)}
        raise HTTPException(429, detail, headers) from exc
    except HashingBusy as exc:
        raise HTTPException(503, "too many sign-ins at once", {"Retry-After": "1"}) from exc
    except AuthError as exc:
        raise HTTPException(401, str(exc)) from exc
    return TokenRead(access_token=signed_in.token)


@router.get("/me", response_model=UserRead)
def get_me(user: AnyRole) -> UserRead:
    """The user the request is signed in as."""
    return UserRead.model_validate(user)
