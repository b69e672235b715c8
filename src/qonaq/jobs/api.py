"""JSON routes of jobs: a re-plan preview is queued (202 and the job's address), then read."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response
from pydantic import ConfigDict

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.jobs.models import JobKind
from qonaq.jobs.queue import hand_over
from qonaq.jobs.service import JobRead, enqueue, get_job, job_read
from qonaq.plaintext import UserInput
from qonaq.web.deps import RowId, SessionDep, require

router = APIRouter(tags=["jobs"])
Coordinator = Annotated[User, Depends(require("coordinator"))]


class ReplanRequest(UserInput):
    """Which policy a batch re-plan of all pending households uses."""

    model_config = ConfigDict(extra="forbid")

    policy: str = "default"


@router.post("/replan/preview", response_model=JobRead, status_code=202)
def post_replan_preview(
    body: ReplanRequest, request: Request, response: Response, background: BackgroundTasks,
    session: SessionDep, user: Coordinator,
) -> JobRead:  # fmt: skip
    """Queue a batch plan of every pending household, to be stored as previewed (nothing is
    placed): 202 with the job's address; GET it until `status` is done (its `result` holds
    the plan) or failed (its `error` says why)."""
    actor = actor_of(user)
    job = enqueue(db_session=session, kind=JobKind.PREVIEW, policy=body.policy, actor=actor)
    # handed to the workers after the response's transaction commits, so they find the row
    background.add_task(hand_over, request.app.state.engine, job.id)
    read = job_read(job)
    response.headers["Location"] = read.url
    return read


@router.get("/jobs/{job_id}", response_model=JobRead)
def get_one_job(job_id: RowId, session: SessionDep, user: Coordinator) -> JobRead:
    """One job: its status, progress, who asked, when, its error or its result."""
    return job_read(get_job(db_session=session, job_id=job_id))
