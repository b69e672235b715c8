"""Pages of the registration desk, the placement letter and its public check."""

import hashlib
import hmac
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.errors import DomainError, NotFound
from qonaq.i18n import N_, gettext
from qonaq.jobs import service as jobs
from qonaq.jobs.models import JobKind, JobStatus
from qonaq.jobs.queue import hand_over
from qonaq.placement.policy import policy_names
from qonaq.plaintext import PlainText
from qonaq.registry import placing
from qonaq.registry.api import household_read, place_names, placement_read
from qonaq.registry.engine_records import pending_households
from qonaq.registry.models import ACTIVE_STATUSES, Household, Person, Placement, Plan
from qonaq.registry.schemas import OCCUPATION_GROUPS, HouseholdCreate, PersonCreate, ReplanRead
from qonaq.registry.search import find_at_desk
from qonaq.registry.service import (
    DuplicateRegistration,
    add_member,
    cancel_placement,
    register_household,
    remove_member,
    reopen_household,
    update_member,
)
from qonaq.settlements.service import hub_choices, settlement_choices
from qonaq.transport.service import departure_for_household
from qonaq.web.deps import (
    SESSION_COOKIE,
    Language,
    NotSignedIn,
    RowId,
    SessionDep,
    check_csrf,
    current_user,
    require,
)
from qonaq.web.templating import render
from qonaq.web.vocabulary import DOCUMENT_WORDS

router = APIRouter(include_in_schema=False)
Desk = Annotated[User, Depends(require("coordinator", "registrar"))]
MEMBER_FIELDS = (
    "full_name", "birth_date", "sex", "citizenship", "document_type", "document_number",
    "iin", "phone", "occupation",
)  # fmt: skip
MAX_MEMBERS = 20
PSC_KINDS = ("republic_city", "regional_centre")


def _document_types(language: str) -> list[tuple[str, str]]:
    return [(code, gettext(language, word)) for code, word in DOCUMENT_WORDS.items()]


def desk_form_context(session: SessionDep, language: str) -> dict[str, Any]:
    """The choices the registration form offers: places, occupations, document types."""
    return {
        "hubs": hub_choices(db_session=session, language=language),
        "psc_cities": settlement_choices(db_session=session, language=language, kinds=PSC_KINDS),
        "settlements": settlement_choices(db_session=session, language=language),
        "occupations": OCCUPATION_GROUPS,
        "document_types": _document_types(language),
    }


@router.get("/desk")
def desk_page(request: Request, session: SessionDep, user: Desk, language: Language) -> Response:
    """The registration form."""
    context = {**desk_form_context(session, language), "members": [{}], "form": {}, "errors": []}
    return render(request, "desk.html", language, context)


def members_from_form(form: FormData) -> list[dict[str, Any]]:
    """The members typed into the form, in order, skipping fully empty blocks."""
    raw_count = str(form.get("member_count", "1"))
    count = min(int(raw_count), MAX_MEMBERS + 1) if raw_count.isdigit() else 1
    members = []
    for i in range(count):
        member: dict[str, Any] = {f: str(form.get(f"m{i}_{f}", "")).strip() for f in MEMBER_FIELDS}
        if not any(member.values()):
            continue
        member["languages"] = [str(v) for v in form.getlist(f"m{i}_languages")]
        member["needs_medical"] = form.get(f"m{i}_needs_medical") == "1"
        member["disability"] = form.get(f"m{i}_disability") == "1"
        members.append(member)
    return members


def household_from_form(form: FormData, members: list[dict[str, Any]]) -> dict[str, Any]:
    """The household fields of the registration form, as HouseholdCreate reads them."""
    origin = str(form.get("origin", ""))
    kind, _, place = origin.partition(":")
    return {
        "members": [{k: v for k, v in m.items() if v not in ("", None)} for m in members],
        "origin_hub_id": place if kind == "hub" else None,
        "origin_settlement_id": place if kind == "psc" else None,
        "preferences": [str(form.get(f"preference_{n}", "")) for n in range(3)],
        "language": str(form.get("language", "ru")),
    }


# form fields by the labels the form shows, and pydantic's error kinds in plain words
FIELD_LABELS = {
    "full_name": N_("Full name"), "birth_date": N_("Birth date"), "sex": N_("Sex"),
    "citizenship": N_("Citizenship"), "document_type": N_("Document type"),
    "document_number": N_("Document number"), "iin": N_("IIN (optional)"), "phone": N_("Phone"),
    "occupation": N_("Occupation"), "languages": N_("Languages spoken"),
    "preferences": N_("Preferred settlement"), "members": N_("Members"),
    "origin_hub_id": N_("Where the household is now"),
    "origin_settlement_id": N_("Where the household is now"),
    "language": N_("Language of the household"),
}  # fmt: skip
ERROR_WORDS = {
    "missing": N_("is required"),
    "string_too_short": N_("is empty"),
    "string_too_long": N_("is too long"),
    "string_pattern_mismatch": N_("has an invalid format"),
    "date_parsing": N_("is not a valid date"),
    "date_from_datetime_parsing": N_("is not a valid date"),
    "literal_error": N_("is not one of the allowed choices"),
    "too_short": N_("needs at least one entry"),
    "too_long": N_("has too many entries"),
}


def validation_messages(exc: ValidationError, language: str) -> list[str]:
    """Each problem of a form as '<where>: <what>' in `language`."""
    messages = []
    for error in exc.errors():
        where, loc = [], list(error["loc"])
        if loc[:1] == ["members"] and len(loc) > 1 and isinstance(loc[1], int):
            where.append(f"{gettext(language, 'Member')} {loc[1] + 1}")
            loc = loc[2:]
        if loc and isinstance(loc[0], str):
            where.append(gettext(language, FIELD_LABELS.get(loc[0], loc[0])))
        if error["type"] == "value_error":
            what = gettext(language, str(error["ctx"]["error"]))
        else:
            what = gettext(language, ERROR_WORDS.get(error["type"], error["msg"]))
        messages.append(f"{' · '.join(where)}: {what}" if where else what)
    return messages


@router.post("/desk/register")
async def desk_register(
    request: Request, session: SessionDep, user: Desk, language: Language
) -> Response:
    """Register the household of the form, then show its placement options."""
    return await register_from_form(
        request, session, language,
        lambda data: register_household(db_session=session, data=data, actor=actor_of(user)),
    )  # fmt: skip


async def register_from_form(
    request: Request, session: SessionDep, language: str,
    register: Callable[[HouseholdCreate], Household], page: dict[str, Any] | None = None,
) -> Response:  # fmt: skip
    """The registration form's post: `register` its household, then its placement options;
    refused, the form again with what was typed (`page`: the form's own context)."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    members = members_from_form(form)
    context = {
        **desk_form_context(session, language),
        **(page or {}),
        "members": members or [{}],
        "form": {k: str(v) for k, v in form.items() if not k.startswith("m")},
    }
    try:
        data = HouseholdCreate.model_validate(household_from_form(form, members))
        # a savepoint: a refused registration writes nothing, and the form is shown again
        with session.begin_nested():
            household = register(data)
    except ValidationError as exc:
        return render(
            request,
            "desk.html",
            language,
            {**context, "errors": validation_messages(exc, language)},
            422,
        )
    except DuplicateRegistration as exc:
        message = gettext(language, "A member is already registered, in household %(ref)s.")
        context |= {
            "errors": [message % {"ref": exc.reference}],
            "existing_url": f"/desk/households/{exc.household_id}",
        }
        return render(request, "desk.html", language, context, 409)
    except DomainError as exc:
        return render(
            request, "desk.html", language, {**context, "errors": [exc.words(language)]},
            exc.status if exc.status == 409 else 422,
        )  # fmt: skip
    return RedirectResponse(f"/desk/households/{household.id}", 303)


def _household_page(
    request: Request,
    session: SessionDep,
    language: str,
    household: Household,
    errors: list[str],
    status: int = 200,
) -> Response:
    placement = session.scalars(
        select(Placement).where(
            Placement.household_id == household.id, Placement.status.in_(ACTIVE_STATUSES)
        )
    ).first()
    options, wishes = [], []
    if placement is None and household.status == "pending":
        options = placing.desk_options(db_session=session, household=household, language=language)
        names = place_names(session, (o.settlement_id for o in options), language)
        options = [o.model_copy(update={"region_name": names[o.settlement_id][1]}) for o in options]
        wishes = placing.wishes_not_shown(
            db_session=session, household=household, language=language,
            shown=[o.settlement_id for o in options],
        )  # fmt: skip
    context = {
        "household": household_read(household),
        "members": _members(session, household.id, language),
        "placement": placement_read(session, placement, language) if placement else None,
        "options": options,
        "wishes_not_shown": wishes,
        "settlements": settlement_choices(db_session=session, language=language),
        "errors": errors,
    }
    return render(request, "household.html", language, context, status)


def _members(session: SessionDep, household_id: int, language: str) -> list[dict[str, str]]:
    """Who is in the household, to check before confirming: no document numbers."""
    people = session.execute(
        select(Person.id, Person.full_name, Person.birth_date, Person.document_type)
        .where(Person.household_id == household_id)
        .order_by(Person.id)
    ).all()
    return [
        {
            "id": str(person_id),
            "name": name,
            "born": born.isoformat(),
            "document": gettext(language, DOCUMENT_WORDS.get(kind, kind)),
        }
        for person_id, name, born, kind in people
    ]


@router.get("/desk/households/{household_id}")
def household_page(
    household_id: RowId, request: Request, session: SessionDep, user: Desk, language: Language
) -> Response:
    """A registered household with its three recommended settlements, or its placement."""
    household = session.get(Household, household_id)
    if household is None:
        return render(request, "verify.html", language, {"placement": None}, 404)
    return _household_page(request, session, language, household, [])


@router.post("/desk/households/{household_id}/confirm")
def household_confirm(
    household_id: RowId,
    request: Request,
    session: SessionDep,
    user: Desk,
    language: Language,
    settlement_id: Annotated[PlainText, Form(max_length=64)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    override_reason: Annotated[PlainText, Form(max_length=1000)] = "",
    shown: Annotated[PlainText, Form(max_length=1000)] = "",
) -> Response:
    """Confirm one settlement (or an override with its reason) and open the letter; the
    options the page showed count as recommended, whatever the loads are now."""
    check_csrf(request, csrf_token)
    household = session.get(Household, household_id)
    if household is None:
        return render(request, "verify.html", language, {"placement": None}, 404)
    try:
        # a savepoint: a refused confirmation leaves nothing behind, and the page still renders
        with session.begin_nested():
            placement = placing.confirm_choice(
                db_session=session, household_id=household_id, settlement_id=settlement_id,
                actor=actor_of(user), shown=shown or None, override_reason=override_reason,
            )  # fmt: skip
    except DomainError as exc:
        return _household_page(request, session, language, household, [exc.words(language)], 409)
    return RedirectResponse(f"/letters/{placement.id}", 303)


@router.post("/desk/households/{household_id}/cancel")
def household_cancel(
    household_id: RowId,
    request: Request,
    session: SessionDep,
    user: Desk,
    language: Language,
    placement_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[PlainText, Form(max_length=1000)] = "",
) -> Response:
    """Cancel the household's placement with a reason; the page then offers new options."""
    check_csrf(request, csrf_token)
    household = session.get(Household, household_id)
    placement = session.get(Placement, placement_id)
    if household is None or placement is None or placement.household_id != household_id:
        return render(request, "verify.html", language, {"placement": None}, 404)
    return _household_change(
        request, session, language, household,
        partial(cancel_placement, placement_id=placement_id, actor=actor_of(user), reason=reason),
    )  # fmt: skip


@router.post("/desk/households/{household_id}/reopen")
def household_reopen(
    household_id: RowId,
    request: Request,
    session: SessionDep,
    user: Desk,
    language: Language,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[PlainText, Form(max_length=1000)] = "",
) -> Response:
    """Make a household that did not come pending again; the page then offers new options."""
    check_csrf(request, csrf_token)
    household = session.get(Household, household_id)
    if household is None:
        return render(request, "verify.html", language, {"placement": None}, 404)
    return _household_change(
        request, session, language, household,
        partial(reopen_household, household_id=household_id, actor=actor_of(user), reason=reason),
    )  # fmt: skip


def _household_change(
    request: Request, session: SessionDep, language: str, household: Household,
    change: Callable[..., object],
) -> Response:  # fmt: skip
    """Run one change of a household's placement (in a savepoint); back to its page, or the
    page again with the refusal in the reader's language."""
    try:
        with session.begin_nested():
            change(db_session=session)
    except DomainError as exc:
        session.refresh(household)
        return _household_page(
            request, session, language, household, [exc.words(language)], exc.status
        )
    return RedirectResponse(f"/desk/households/{household.id}", 303)


@router.get("/desk/search")
def search_page(request: Request, user: Desk, language: Language) -> Response:
    """The form to find a household."""
    context: dict[str, Any] = {"found": None, "terms": "", "errors": [], "declared": []}
    return render(request, "search.html", language, context)


@router.post("/desk/search")
def search_results(
    request: Request,
    session: SessionDep,
    user: Desk,
    language: Language,
    terms: Annotated[PlainText, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Households found by reference, document, IIN, phone or name; posted, so the terms
    stay out of URLs, the browser's history and the access log."""
    check_csrf(request, csrf_token)
    context: dict[str, Any] = {"found": None, "terms": terms, "errors": [], "declared": []}
    try:
        found = find_at_desk(db_session=session, terms=terms, language=language)
        context["found"], context["declared"] = found.households, found.preregistrations
    except DomainError as exc:
        return render(
            request, "search.html", language, {**context, "errors": [exc.words(language)]}, 422
        )
    return render(request, "search.html", language, context)


def _member_page(
    request: Request, session: SessionDep, language: str, household: Household, action: str,
    member: dict[str, Any], errors: list[str], status: int = 200,
) -> Response:  # fmt: skip
    # the member's fields are the registration form's own (imported from desk.html)
    context = {
        **desk_form_context(session, language), "form": {}, "members": [],
        "household": household, "action": action, "member": member, "errors": errors,
    }  # fmt: skip
    return render(request, "member.html", language, context, status)


def _stored_member(person: Person) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(person, f) or "" for f in MEMBER_FIELDS}
    values["birth_date"] = person.birth_date.isoformat()
    values["languages"] = [code for code in person.languages.split(",") if code]
    values["needs_medical"], values["disability"] = person.needs_medical, person.disability
    return values


def _editable(session: SessionDep, person_id: int) -> tuple[Person, Household] | None:
    person = session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        return None
    household = session.get(Household, person.household_id)
    return (person, household) if household is not None else None


@router.get("/desk/persons/{person_id}/edit")
def member_edit_page(
    person_id: RowId, request: Request, session: SessionDep, user: Desk, language: Language
) -> Response:
    """The form to correct one member."""
    found = _editable(session, person_id)
    if found is None:
        return render(request, "verify.html", language, {"placement": None}, 404)
    person, household = found
    action = f"/desk/persons/{person_id}/edit"
    return _member_page(request, session, language, household, action, _stored_member(person), [])


@router.get("/desk/households/{household_id}/members/new")
def member_new_page(
    household_id: RowId, request: Request, session: SessionDep, user: Desk, language: Language
) -> Response:
    """The form to add a member to a household not yet placed."""
    household = session.get(Household, household_id)
    if household is None:
        return render(request, "verify.html", language, {"placement": None}, 404)
    action = f"/desk/households/{household_id}/members/new"
    return _member_page(request, session, language, household, action, {}, [])


async def _member_form(request: Request) -> dict[str, Any]:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    members = members_from_form(form)
    return members[0] if members else {}


def _member_saved(
    request: Request, session: SessionDep, language: str, household: Household, action: str,
    member: dict[str, Any], save: Any,
) -> Response:  # fmt: skip
    try:
        data = PersonCreate.model_validate({k: v for k, v in member.items() if v not in ("", None)})
        # a savepoint: a refused change writes nothing, and the form is shown again
        with session.begin_nested():
            save(data)
    except ValidationError as exc:
        errors = validation_messages(exc, language)
        return _member_page(request, session, language, household, action, member, errors, 422)
    except DomainError as exc:
        errors = [exc.words(language)]
        return _member_page(
            request, session, language, household, action, member, errors, exc.status
        )
    return RedirectResponse(f"/desk/households/{household.id}", 303)


@router.post("/desk/persons/{person_id}/edit")
async def member_edit(
    person_id: RowId, request: Request, session: SessionDep, user: Desk, language: Language
) -> Response:
    """Correct one member through registration's checks (audited: field names only)."""
    member = await _member_form(request)
    found = _editable(session, person_id)
    if found is None:
        return render(request, "verify.html", language, {"placement": None}, 404)
    _person, household = found
    return _member_saved(
        request, session, language, household, f"/desk/persons/{person_id}/edit", member,
        lambda data: update_member(
            db_session=session, person_id=person_id, data=data, actor=actor_of(user)
        ),
    )  # fmt: skip


@router.post("/desk/households/{household_id}/members/new")
async def member_add(
    household_id: RowId, request: Request, session: SessionDep, user: Desk, language: Language
) -> Response:
    """Add a member to a household not yet placed."""
    member = await _member_form(request)
    household = session.get(Household, household_id)
    if household is None:
        return render(request, "verify.html", language, {"placement": None}, 404)
    return _member_saved(
        request, session, language, household, f"/desk/households/{household_id}/members/new",
        member,
        lambda data: add_member(
            db_session=session, household_id=household_id, data=data, actor=actor_of(user)
        ),
    )  # fmt: skip


@router.post("/desk/persons/{person_id}/remove")
def member_remove(
    person_id: RowId,
    request: Request,
    session: SessionDep,
    user: Desk,
    language: Language,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Remove a member from a household not yet placed."""
    check_csrf(request, csrf_token)
    found = _editable(session, person_id)
    if found is None:
        return render(request, "verify.html", language, {"placement": None}, 404)
    _person, household = found
    try:
        with session.begin_nested():
            remove_member(db_session=session, person_id=person_id, actor=actor_of(user))
    except DomainError as exc:
        session.refresh(household)
        return _household_page(
            request, session, language, household, [exc.words(language)], exc.status
        )
    return RedirectResponse(f"/desk/households/{household.id}", 303)


def verification_code(request: Request, placement_id: int) -> str:
    """A short keyed code that makes a letter's QR link unguessable."""
    secret: bytes = request.app.state.letter_secret
    return hmac.new(secret, str(placement_id).encode(), hashlib.sha256).hexdigest()[:16]


@router.get("/letters/{placement_id}")
def letter(placement_id: RowId, request: Request, session: SessionDep, user: Desk) -> Response:
    """The printable placement letter, in the household's language, with its QR code."""
    placement = session.get(Placement, placement_id)
    if placement is None:
        return render(request, "verify.html", "en", {"placement": None}, 404)
    household = session.get(Household, placement.household_id)
    if household is None:  # erased since the placement was made
        raise NotFound(N_("no household %(id)s"), id=placement.household_id)
    verify_path = request.app.url_path_for("verify", placement_id=placement_id)
    code = verification_code(request, placement_id)
    verify_url = f"{request.app.state.public_url}{verify_path}?code={code}"
    qr_svg = segno.make(verify_url, error="m").svg_inline(scale=4)
    context = {
        "placement": placement_read(session, placement, household.language),
        "verify_url": verify_url,
        "qr_svg": qr_svg,
        "letter_lang": household.language,
        "departure": departure_for_household(session, household.id),
    }
    return render(request, "letter.html", household.language, context)


@router.get("/verify/{placement_id}", name="verify")
def verify(
    placement_id: RowId, request: Request, session: SessionDep, language: Language, code: str = ""
) -> Response:
    """Public check of a letter's QR code: reference, destination and status, no names."""
    placement = session.get(Placement, placement_id)
    genuine = placement is not None and hmac.compare_digest(
        code, verification_code(request, placement_id)
    )
    shown = placement if genuine else None
    context = {
        "placement": placement_read(session, shown, language) if shown else None,
        "check_in": shown is not None and _may_check_in(request, session, shown),
        "code": code,
    }
    return render(request, "verify.html", language, context, 200 if genuine else 404)


def _may_check_in(request: Request, session: SessionDep, placement: Placement) -> bool:
    """A signed-in host of the placement's settlement (or a coordinator) scanning a reserved one."""
    if placement.status != "reserved" or SESSION_COOKIE not in request.cookies:
        return False
    try:
        user = current_user(request, session)
    except NotSignedIn:
        return False
    if user.role == "host":
        return user.settlement_id == placement.settlement_id
    return user.role in ("coordinator", "admin")


Coordinator = Annotated[User, Depends(require("coordinator"))]


def _replan_context(session: SessionDep, policy: str) -> dict[str, Any]:
    return {
        "policies": policy_names(),
        "policy": policy,
        "pending": len(pending_households(db_session=session)),
        "preview": None,
        "job": None,
        "status_words": jobs.STATUS_WORDS,
        "message": "",
        "errors": [],
    }


def _named_in(session: SessionDep, preview: ReplanRead, language: str) -> Any:
    # the plan names places in English (the engine's records); the page in the reader's words
    names = place_names(session, (c.settlement_id for c in preview.changes), language)
    changes = [
        c.model_copy(update=dict(zip(("name", "region"), names[c.settlement_id], strict=True)))
        for c in preview.changes
    ]
    return preview.model_copy(update={"changes": changes})


def _applied_message(session: SessionDep, plan_id: int, language: str) -> str:
    plan = session.get(Plan, plan_id)
    if plan is None or plan.status != "applied":
        return ""
    message = gettext(
        language,
        "Plan %(id)s applied: %(placed)s households placed; %(skipped)s of the plan skipped "
        "(placed at a desk meanwhile, or their settlement filled up).",
    )
    return message % {
        "id": plan.id,
        "placed": plan.applied_households,
        "skipped": plan.skipped_households,
    }


@router.get("/coordinator/replan")
def replan_page(
    request: Request, session: SessionDep, user: Coordinator, language: Language,
    applied: Annotated[int, Query(ge=1, le=2_147_483_647)] | None = None,
    job: Annotated[int, Query(ge=1, le=2_147_483_647)] | None = None,
) -> Response:  # fmt: skip
    """The batch re-plan page: choose a policy, preview the plan (a job the page watches),
    then apply exactly it."""
    context = _replan_context(session, "default")
    if applied is not None:
        context["message"] = _applied_message(session, applied, language)
    if job is not None:
        found = jobs.get_job(db_session=session, job_id=job)
        context["job"] = jobs.job_read(found, language)
        if found.kind == JobKind.PREVIEW and found.status == JobStatus.DONE and found.result:
            preview = placing.ReplanRead.model_validate_json(found.result)
            context["preview"] = _named_in(session, preview, language)
    return render(request, "replan.html", language, context)


@router.post("/coordinator/replan")
def replan_submit(
    request: Request,
    session: SessionDep,
    user: Coordinator,
    language: Language,
    policy: Annotated[PlainText, Form(max_length=64)] = "default",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Queue a preview of a batch re-plan (stored, nothing placed); the page then watches it."""
    check_csrf(request, csrf_token)
    try:
        job = jobs.enqueue(
            db_session=session, kind=JobKind.PREVIEW, policy=policy, actor=actor_of(user)
        )
    except DomainError as exc:
        context = {**_replan_context(session, policy), "errors": [exc.words(language)]}
        return render(request, "replan.html", language, context, 422)
    # handed to the workers once this request's transaction has committed the row
    handing = BackgroundTask(hand_over, request.app.state.engine, job.id)
    return RedirectResponse(f"/coordinator/replan?job={job.id}", 303, background=handing)


@router.post("/coordinator/replan/{plan_id}/apply")
def replan_apply(
    plan_id: RowId,
    request: Request,
    session: SessionDep,
    user: Coordinator,
    language: Language,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Apply exactly the previewed plan, once; a reload or second click applies nothing."""
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            placing.apply(db_session=session, plan_id=plan_id, actor=actor_of(user))
    except DomainError as exc:
        context = {**_replan_context(session, "default"), "errors": [exc.words(language)]}
        return render(request, "replan.html", language, context, 409)
    return RedirectResponse(f"/coordinator/replan?applied={plan_id}", 303)
