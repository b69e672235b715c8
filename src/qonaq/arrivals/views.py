"""The arrivals' pages (no sign-in): start, pre-register, my status; and the desk's
completion of a pre-registration, through the registration form itself."""

import asyncio
import time
from datetime import date
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Engine, select

from qonaq.aid.views import KIND_WORDS
from qonaq.arrivals.models import Preregistration
from qonaq.arrivals.service import (
    ArrivalStatus,
    arrival_status,
    code_digest,
    code_in,
    complete_preregistration,
    declared_form,
    preregister,
    waiting,
)
from qonaq.auth.service import actor_of
from qonaq.db.session import transaction
from qonaq.errors import DomainError
from qonaq.i18n import N_, gettext
from qonaq.plaintext import PlainText
from qonaq.registry.schemas import HouseholdCreate
from qonaq.registry.views import (
    Desk,
    desk_form_context,
    household_from_form,
    members_from_form,
    register_from_form,
    validation_messages,
)
from qonaq.settlements.service import settlement_choices
from qonaq.web.deps import Language, RowId, SessionDep
from qonaq.web.public_guard import Refusal, new_challenge, public_guard, refused_page
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
# wishes offered online: towns and cities (the whole gazetteer would make the page heavy)
WISHED_KINDS = ("republic_city", "regional_centre", "town")
# every status answer takes at least this long: a wrong code and a wrong birth date look alike
STATUS_FLOOR_SECONDS = 0.4
# what a household reads of its state
STATE_WORDS = {
    "preregistered": N_("Pre-registered: come to a Public Service Centre"),
    "pending": N_("Registered: waiting for a place"),
    "placed": N_("Placed: your place is waiting for you"),
    "arrived": N_("Arrived"),
    "no_show": N_("Your place was released: come to a Public Service Centre"),
    "withdrawn": N_("Withdrawn"),
}


def _preregister_context(session: SessionDep, language: str) -> dict[str, Any]:
    choices = desk_form_context(session, language)
    choices["settlements"] = settlement_choices(
        db_session=session, language=language, kinds=WISHED_KINDS
    )
    return choices


@router.get("/pre-register")
def preregister_page(request: Request, session: SessionDep, language: Language) -> Response:
    """The pre-registration form."""
    context = {
        **_preregister_context(session, language), "members": [{}], "form": {}, "errors": [],
        "challenge": new_challenge(request),
    }  # fmt: skip
    return render(request, "preregister.html", language, context)


@router.post("/pre-register")
async def preregister_submit(
    request: Request,
    session: SessionDep,
    language: Language,
    refusal: Annotated[Refusal | None, Depends(public_guard("preregister"))],
) -> Response:
    """Keep the household's declaration and show its code and QR; refused, the form again
    with everything typed."""
    form = await request.form()
    members = members_from_form(form)
    context = {
        **_preregister_context(session, language),
        "members": members or [{}],
        "form": {k: str(v) for k, v in form.items() if not k.startswith(("m", "challenge"))},
    }
    if refusal is not None:
        return refused_page(request, "preregister.html", language, context, refusal)
    try:
        data = HouseholdCreate.model_validate(household_from_form(form, members))
        with session.begin_nested():
            row, code = preregister(db_session=session, data=data)
    except ValidationError as exc:
        errors = validation_messages(exc, language)
        return _form_again(request, language, context, errors)
    except DomainError as exc:
        return _form_again(request, language, context, [exc.words(language)], exc.status)
    desk_link = f"{request.app.state.public_url}/desk/preregistrations?code={code}"
    saved = {
        "code": code, "expires_on": row.expires_at.date().isoformat(), "size": row.size,
        "qr_svg": segno.make(desk_link, error="m").svg_inline(scale=4),
    }  # fmt: skip
    return render(request, "preregistered.html", language, saved)


def _form_again(
    request: Request, language: str, context: dict[str, Any], errors: list[str], status: int = 422
) -> Response:
    page = {**context, "errors": errors, "challenge": new_challenge(request)}
    return render(request, "preregister.html", language, page, status)


@router.get("/status")
def status_page(request: Request, language: Language) -> Response:
    """The form to see one's status: the code and one member's birth date."""
    context = {"code": "", "birth_date": "", "errors": [], "challenge": new_challenge(request)}
    return render(request, "status.html", language, context)


@router.post("/status")
async def status_lookup(
    request: Request,
    language: Language,
    refusal: Annotated[Refusal | None, Depends(public_guard("status"))],
    code: Annotated[PlainText, Form(max_length=200)] = "",
    birth_date: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The household's status; a wrong code or a wrong birth date answers alike, as slowly."""
    started = time.monotonic()
    context: dict[str, Any] = {
        "code": code, "birth_date": birth_date, "errors": [], "state_words": STATE_WORDS,
        "kind_words": {str(kind): words for kind, words in KIND_WORDS.items()},
    }  # fmt: skip
    if refusal is not None:
        return refused_page(request, "status.html", language, context, refusal)
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        born = None
    engine: Engine = request.app.state.engine
    found = await run_in_threadpool(_look_up, engine, code, born, language)
    # the same wait whatever was found, outside any transaction and without holding a thread
    await asyncio.sleep(max(0.0, STATUS_FLOOR_SECONDS - (time.monotonic() - started)))
    if found is None:
        words = gettext(
            language,
            "No household matches this code and birth date. Check both and try again.",
        )
        page = {**context, "errors": [words], "challenge": new_challenge(request)}
        return render(request, "status.html", language, page, 404)
    page = {**context, "status": found, "challenge": new_challenge(request)}
    return render(request, "status.html", language, page)


def _look_up(engine: Engine, code: str, born: date | None, language: str) -> ArrivalStatus | None:
    with transaction(engine, writes=False) as db_session:
        # an unparseable birth date still looks the code up: the same work as a wrong one
        return arrival_status(
            db_session=db_session, code=code, birth_date=born or date.min, language=language
        )


@router.get("/desk/preregistrations")
def preregistration_by_code(
    request: Request, session: SessionDep, user: Desk, language: Language, code: str = ""
) -> Response:
    """Where the QR of a pre-registration leads: its completion form at the desk."""
    normalised = code_in(code[:200])
    row = (
        session.scalars(
            select(Preregistration).where(Preregistration.code_key == code_digest(normalised))
        ).first()
        if normalised
        else None
    )
    if row is None:
        message = gettext(language, "No pre-registration has this code.")
        return render(request, "error.html", language, {"message": message}, 404)
    return RedirectResponse(f"/desk/preregistrations/{row.id}", 303)


@router.get("/desk/preregistrations/{preregistration_id}")
def preregistration_page(
    preregistration_id: RowId,
    request: Request,
    session: SessionDep,
    user: Desk,
    language: Language,
) -> Response:
    """The registration form filled with what the household declared, marked self-declared."""
    row = session.get(Preregistration, preregistration_id)
    if row is not None and row.household_id is not None:
        return RedirectResponse(f"/desk/households/{row.household_id}", 303)
    row = waiting(db_session=session, preregistration_id=preregistration_id)
    members, form = declared_form(row)
    context = {
        **desk_form_context(session, language), **_completion(preregistration_id),
        "members": members or [{}], "form": form, "errors": [],
    }  # fmt: skip
    return render(request, "desk.html", language, context)


def _completion(preregistration_id: int) -> dict[str, Any]:
    return {
        "self_declared": True,
        "form_action": f"/desk/preregistrations/{preregistration_id}/complete",
    }


@router.post("/desk/preregistrations/{preregistration_id}/complete")
async def preregistration_complete(
    preregistration_id: RowId,
    request: Request,
    session: SessionDep,
    user: Desk,
    language: Language,
) -> Response:
    """Register the household as checked at the desk; then its placement options as usual."""
    return await register_from_form(
        request, session, language,
        lambda data: complete_preregistration(
            db_session=session, preregistration_id=preregistration_id, data=data,
            actor=actor_of(user),
        ),
        _completion(preregistration_id),
    )  # fmt: skip
