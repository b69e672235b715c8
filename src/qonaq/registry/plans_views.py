"""The coordinator's page of batch plans: the history, and two plans side by side."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.jobs.models import JobKind
from qonaq.jobs.queue import hand_over
from qonaq.jobs.service import KIND_WORDS, STATUS_WORDS, enqueue, last_runs
from qonaq.registry.plan_history import TERMS, compare_plans, plan_history, plan_summary
from qonaq.web.deps import Language, SessionDep, check_csrf, require
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[User, Depends(require("coordinator"))]
PlanId = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.get("/coordinator/plans")
def plans_page(
    request: Request, session: SessionDep, user: Coordinator, language: Language,
    first: PlanId = None, second: PlanId = None,
) -> Response:  # fmt: skip
    """Every recent plan; with `first` and `second`, the two compared term by term."""
    context: dict[str, object] = {
        "plans": plan_history(db_session=session), "terms": TERMS, "pair": None,
        "runs": last_runs(db_session=session, language=language), "kind_words": KIND_WORDS,
        "status_words": STATUS_WORDS,
    }  # fmt: skip
    if first is not None and second is not None:
        context["pair"] = (
            plan_summary(db_session=session, plan_id=first),
            plan_summary(db_session=session, plan_id=second),
        )
        context["differences"] = compare_plans(
            db_session=session, first=first, second=second, language=language
        )
    return render(request, "plans.html", language, context)


@router.post("/coordinator/plans/reprice")
def reprice_now(
    request: Request, session: SessionDep, user: Coordinator,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """Queue an intra-day re-pricing of the desks; the page shows it as the last run."""
    check_csrf(request, csrf_token)
    job = enqueue(db_session=session, kind=JobKind.REPRICE, policy="default", actor=actor_of(user))
    handing = BackgroundTask(hand_over, request.app.state.engine, job.id)
    return RedirectResponse("/coordinator/plans", 303, background=handing)
