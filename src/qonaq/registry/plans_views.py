"""The coordinator's page of batch plans: the history, and two plans side by side."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from qonaq.auth.models import User
from qonaq.jobs.service import KIND_WORDS, STATUS_WORDS, last_runs
from qonaq.registry.plan_history import TERMS, compare_plans, plan_history, plan_summary
from qonaq.web.deps import Language, SessionDep, require
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
        "runs": last_runs(db_session=session), "kind_words": KIND_WORDS,
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
