"""Pages of help: the public "Ask for help" form, volunteers' requests near them, offers and
commitments, and the coordinator's overview."""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from qonaq.aid.matching import reason_words
from qonaq.aid.models import (
    AidCommitment,
    AidKind,
    AidOffer,
    AidRequest,
    Urgency,
    Volunteer,
    VolunteerStatus,
)
from qonaq.aid.request_map import open_requests_by_place, requests_map
from qonaq.aid.schemas import OfferCreate, RequestCreate, VolunteerCreate
from qonaq.aid.service import (
    TooManyAsks,
    cancel_commitment,
    cancel_request,
    commit,
    count_ask,
    create_offer,
    create_request,
    decide_volunteer,
    fulfil,
    matches_for,
    may_commit_offer,
    may_see_contact,
    offer_reads,
    organisation_names,
    overview,
    place_labels,
    register_volunteer,
    request_contact,
    requests_near,
    require_reader,
    sign_up_volunteer,
    volunteer_of,
    withdraw_offer,
)
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import MIN_PASSWORD_LENGTH, actor_of
from qonaq.errors import DomainError, NotFound
from qonaq.geo.gazetteer import localized_name
from qonaq.i18n import N_, gettext
from qonaq.plaintext import PlainText
from qonaq.registry.views import ERROR_WORDS
from qonaq.settlements.models import Region
from qonaq.settlements.service import hub_choices, settlement_choices
from qonaq.web.deps import Language, RowId, SessionDep, check_csrf, client_address, require
from qonaq.web.public_guard import Refusal, new_challenge, public_guard, with_retry_after
from qonaq.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, Depends(require("volunteer", "host", "coordinator"))]
Coordinator = Annotated[User, Depends(require("coordinator"))]
PUBLIC = Actor(label="public", role="public")

KIND_WORDS = {
    AidKind.SHELTER: N_("shelter tonight"),
    AidKind.FOOD: N_("food"),
    AidKind.CLOTHES: N_("clothes"),
    AidKind.SIM_CARD: N_("SIM card"),
    AidKind.MONEY_TRANSFER: N_("money transfer"),
    AidKind.LEGAL: N_("legal help"),
    AidKind.MEDICAL: N_("medical help"),
    AidKind.CHILDCARE: N_("childcare"),
    AidKind.TRANSLATION: N_("translation"),
    AidKind.TRANSPORT: N_("transport"),
    AidKind.OTHER: N_("other help"),
}
URGENCY_WORDS = {
    Urgency.TODAY: N_("today"),
    Urgency.DAYS: N_("in the next days"),
    Urgency.WEEK: N_("this week"),
}
# the state words pages show, marked for the catalogs
STATE_WORDS = (
    N_("open"), N_("committed"), N_("fulfilled"), N_("expired"), N_("active"),
    N_("unverified"), N_("verified"), N_("suspended"),
)  # fmt: skip
ASK_LABELS = {
    "kind": N_("What is needed"),
    "urgency": N_("How urgent"),
    "people": N_("For how many people"),
    "quantity": N_("How many (beds, meals, cards…)"),
    "settlement_id": N_("Where"),
    "hub_id": N_("Where"),
    "first_name": N_("Your first name"),
    "contact": N_("How to reach you (phone, Telegram, WhatsApp)"),
    "details": N_("Anything else helpers should know"),
    "household_code": N_("Household code (optional)"),
    "consent": N_("Consent"),
    "unit": N_("Unit (beds, meals a day…)"),
    "radius_km": N_("Radius, km"),
    "available_from": N_("Available from"),
    "available_until": N_("Available until"),
    "conditions": N_("Conditions"),
    "full_name": N_("Full name"),
    "phone": N_("Phone"),
    "skills": N_("What you can help with"),
    "username": N_("Sign-in name"),
    "organisation": N_("Organisation"),
}
MORE_ERRORS = {
    "int_parsing": N_("is not a whole number"),
    "float_parsing": N_("is not a number"),
    "greater_than_equal": N_("is too small"),
    "less_than_equal": N_("is too large"),
    "enum": N_("is not one of the allowed choices"),
    "datetime_from_date_parsing": N_("is not a valid date"),
    "datetime_parsing": N_("is not a valid date"),
}


def form_errors(exc: ValidationError, language: str) -> list[str]:
    """Each problem of a help form as '<field>: <what>' in `language`."""
    messages = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if error["type"] == "literal_error" and field == "consent":
            messages.append(gettext(language, N_("Please agree to share your contact.")))
            continue
        if error["type"] == "value_error":
            what = gettext(language, str(error["ctx"]["error"]))
            messages.append(what)
            continue
        words = {**ERROR_WORDS, **MORE_ERRORS}
        what = gettext(language, words.get(error["type"], N_("has an invalid value")))
        where = gettext(language, ASK_LABELS.get(field, field)) if field else ""
        messages.append(f"{where}: {what}" if where else what)
    return messages


def _choices(words: dict[Any, str], language: str) -> list[tuple[str, str]]:
    return [(str(code), gettext(language, word)) for code, word in words.items()]


def _ask_form(
    request: Request, session: SessionDep, language: str, form: dict[str, str],
    errors: list[str], status: int = 200,
) -> Response:  # fmt: skip
    context = {
        "form": form,
        "errors": errors,
        "kinds": _choices(KIND_WORDS, language),
        "urgencies": _choices(URGENCY_WORDS, language),
        "hubs": hub_choices(db_session=session, language=language),
        "settlements": settlement_choices(db_session=session, language=language),
        "challenge": new_challenge(request),
    }
    return render(request, "aid_ask.html", language, context, status)


@router.get("/help/ask")
def ask_page(request: Request, session: SessionDep, language: Language) -> Response:
    """The public form to ask for help: no sign-in, a household code only if there is one."""
    code = request.query_params.get("code", "")[:16]
    return _ask_form(request, session, language, {"household_code": code}, [])


def _volunteer_data(form: dict[str, str], skills: list[Any]) -> VolunteerCreate:
    """A volunteer's profile from the sign-up or the profile form (the same fields)."""
    return VolunteerCreate.model_validate(
        {
            "full_name": form.get("full_name", ""), "phone": form.get("phone", ""),
            "settlement_id": form.get("settlement_id", ""),
            "radius_km": form.get("radius_km") or 50, "skills": [str(v) for v in skills],
        }
    )  # fmt: skip


def _ask_data(form: dict[str, str], language: str) -> dict[str, Any]:
    kind, _, place = form.get("place", "").partition(":")
    return {
        "kind": form.get("kind") or None,
        "urgency": form.get("urgency") or "days",
        "people": form.get("people") or None,
        "quantity": form.get("quantity") or None,
        "settlement_id": place if kind == "settlement" else None,
        "hub_id": place if kind == "hub" else None,
        "first_name": form.get("first_name", ""),
        "contact": form.get("contact", ""),
        "details": form.get("details", ""),
        "household_code": form.get("household_code", ""),
        "language": language,
        "consent": form.get("consent") == "1" or None,
    }


@router.post("/help/ask")
async def ask_send(
    request: Request, session: SessionDep, language: Language,
    refusal: Annotated[Refusal | None, Depends(public_guard("ask"))],
) -> Response:  # fmt: skip
    """Record a request for help from the public form; the flood guard and its rate limit
    apply here, before anything is written. What was typed comes back on any refusal."""
    form = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    if refusal is not None:
        response = _ask_form(request, session, language, form, [refusal.message], refusal.status)
        return with_retry_after(response, refusal)
    try:
        data = RequestCreate.model_validate(_ask_data(form, language))
        # a savepoint: a refused request writes nothing, not even its count
        with session.begin_nested():
            count_ask(db_session=session, client=client_address(request))
            created = create_request(db_session=session, data=data, actor=PUBLIC)
    except ValidationError as exc:
        return _ask_form(request, session, language, form, form_errors(exc, language), 422)
    except TooManyAsks as exc:
        return _ask_form(request, session, language, form, [exc.words(language)], exc.status)
    except DomainError as exc:
        return _ask_form(request, session, language, form, [exc.words(language)], exc.status)
    return RedirectResponse(f"/help/ask/sent?number={created.id}&lang={language}", 303)


def _volunteer_form(
    request: Request, session: SessionDep, language: str, form: dict[str, str],
    errors: list[str], status: int = 200,
) -> Response:  # fmt: skip
    context = {
        "form": form,
        "errors": errors,
        "kinds": _choices(KIND_WORDS, language),
        "settlements": settlement_choices(db_session=session, language=language),
        "min_password": MIN_PASSWORD_LENGTH,
        "challenge": new_challenge(request),
    }
    return render(request, "aid_volunteer.html", language, context, status)


@router.get("/help/volunteer")
def volunteer_page(request: Request, session: SessionDep, language: Language) -> Response:
    """The public form to sign up as a volunteer; a coordinator verifies before any request."""
    return _volunteer_form(request, session, language, {}, [])


@router.post("/help/volunteer")
async def volunteer_send(
    request: Request, session: SessionDep, language: Language,
    refusal: Annotated[Refusal | None, Depends(public_guard("volunteer"))],
) -> Response:  # fmt: skip
    """Create a volunteer's account and unverified profile; then they sign in as staff do."""
    raw = await request.form()
    form = {k: str(v) for k, v in raw.items() if isinstance(v, str) and k != "password"}
    form["skills_chosen"] = ",".join(str(v) for v in raw.getlist("skills"))
    if refusal is not None:
        response = _volunteer_form(
            request, session, language, form, [refusal.message], refusal.status
        )
        return with_retry_after(response, refusal)
    username = form.get("username", "").strip()
    password = str(raw.get("password", ""))
    try:
        data = _volunteer_data(form, raw.getlist("skills"))
        with session.begin_nested():
            count_ask(db_session=session, client="volunteer:" + client_address(request))
            user = sign_up_volunteer(
                db_session=session, username=username, password=password,
                organisation=form.get("organisation", ""), language=language,
            )  # fmt: skip
            register_volunteer(db_session=session, user=user, data=data, actor=actor_of(user))
    except ValidationError as exc:
        return _volunteer_form(request, session, language, form, form_errors(exc, language), 422)
    except DomainError as exc:
        return _volunteer_form(request, session, language, form, [exc.words(language)], exc.status)
    return RedirectResponse(f"/login?next=/aid&lang={language}", 303)


@router.get("/help/ask/sent")
def ask_sent(request: Request, language: Language) -> Response:
    """The request was recorded: its number, and what happens next."""
    number = request.query_params.get("number", "")
    shown = number if number.isdigit() and len(number) < 12 else ""
    return render(request, "aid_sent.html", language, {"number": shown})


def _kind_word(kind: str, language: str) -> str:
    return gettext(language, KIND_WORDS.get(AidKind(kind), kind))


def _request_rows(
    session: SessionDep, found: list[tuple[AidRequest, float | None]], language: str
) -> list[dict[str, Any]]:
    labels = place_labels(
        db_session=session, settlement_ids=[r.settlement_id for r, _ in found],
        hub_ids=[r.hub_id for r, _ in found], language=language,
    )  # fmt: skip
    now = datetime.now(UTC)
    return [
        {
            "id": r.id,
            "kind": _kind_word(r.kind, language),
            "people": r.people,
            "quantity": r.quantity,
            "open": r.quantity - r.committed - r.fulfilled,
            "fulfilled": r.fulfilled,
            "status": r.status,
            "urgency": gettext(language, URGENCY_WORDS[Urgency(r.urgency)]),
            "urgent": r.urgency == Urgency.TODAY,
            "place": labels.get(r.settlement_id or r.hub_id or "", ""),
            "km": None if km is None else round(km),
            "hours": int((now - r.created_at).total_seconds() // 3600),
        }
        for r, km in found
    ]


def _commitment_rows(session: SessionDep, user: User, language: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(AidCommitment, AidRequest)
        .join(AidRequest, AidRequest.id == AidCommitment.request_id)
        .where(AidCommitment.user_id == user.id)
        .order_by(AidCommitment.id.desc())
        .limit(200)
    ).all()
    labels = place_labels(
        db_session=session, settlement_ids=[r.settlement_id for _, r in rows],
        hub_ids=[r.hub_id for _, r in rows], language=language,
    )  # fmt: skip
    return [
        {
            "id": c.id,
            "request_id": r.id,
            "kind": _kind_word(r.kind, language),
            "quantity": c.quantity,
            "fulfilled": c.fulfilled,
            "status": c.status,
            "place": labels.get(r.settlement_id or r.hub_id or "", ""),
        }
        for c, r in rows
    ]


def _aid_page(
    request: Request, session: SessionDep, user: User, language: str,
    errors: list[str] | None = None, form: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    profile = volunteer_of(db_session=session, user_id=user.id)
    may_read = True
    try:
        require_reader(db_session=session, user=user)
    except DomainError:
        may_read = False
    found = requests_near(db_session=session, user=user) if may_read else []
    offers = list(
        session.scalars(
            select(AidOffer).where(AidOffer.user_id == user.id).order_by(AidOffer.id.desc())
        )
    )
    context = {
        "profile": profile,
        "may_read": may_read,
        "requests": _request_rows(session, found, language),
        "offers": offer_reads(session, offers, language),
        "commitments": _commitment_rows(session, user, language) if may_read else [],
        "kinds": _choices(KIND_WORDS, language),
        "kind_words": dict(_choices(KIND_WORDS, language)),
        "settlements": settlement_choices(db_session=session, language=language),
        "errors": errors or [],
        "form": form or {"settlement_id": user.settlement_id or ""},
    }
    return render(request, "aid.html", language, context, status)


@router.get("/aid")
def aid_page(request: Request, session: SessionDep, user: Reader, language: Language) -> Response:
    """A volunteer's page: open requests near them, their offers, their commitments."""
    return _aid_page(request, session, user, language)


@router.post("/aid/profile")
async def aid_profile(
    request: Request, session: SessionDep, user: Reader, language: Language
) -> Response:
    """A volunteer's profile: who, where, what they can help with; then a coordinator verifies."""
    raw = await request.form()
    check_csrf(request, str(raw.get("csrf_token", "")))
    form = {k: str(v) for k, v in raw.items() if isinstance(v, str)}
    try:
        data = _volunteer_data(form, raw.getlist("skills"))
        with session.begin_nested():
            register_volunteer(db_session=session, user=user, data=data, actor=actor_of(user))
    except ValidationError as exc:
        return _aid_page(request, session, user, language, form_errors(exc, language), form, 422)
    except DomainError as exc:
        return _aid_page(request, session, user, language, [exc.words(language)], form, exc.status)
    return RedirectResponse("/aid", 303)


@router.post("/aid/offers")
async def aid_offer(
    request: Request, session: SessionDep, user: Reader, language: Language
) -> Response:
    """Offer help from the volunteer's page; what was typed comes back on a refusal."""
    raw = await request.form()
    check_csrf(request, str(raw.get("csrf_token", "")))
    form = {k: str(v) for k, v in raw.items() if isinstance(v, str)}
    try:
        data = OfferCreate.model_validate(
            {
                "kind": form.get("kind") or None, "quantity": form.get("quantity") or None,
                "unit": form.get("unit", ""), "settlement_id": form.get("settlement_id", ""),
                "radius_km": form.get("radius_km") or 30,
                "available_from": _day(form.get("available_from", "")),
                "available_until": _day(form.get("available_until", "")),
                "conditions": form.get("conditions", ""),
            }
        )  # fmt: skip
        with session.begin_nested():
            create_offer(db_session=session, data=data, user=user, actor=actor_of(user))
    except ValidationError as exc:
        return _aid_page(request, session, user, language, form_errors(exc, language), form, 422)
    except DomainError as exc:
        return _aid_page(request, session, user, language, [exc.words(language)], form, exc.status)
    return RedirectResponse("/aid#offers", 303)


def _day(value: str) -> str | None:
    # a date field (YYYY-MM-DD) means that day from midnight UTC
    return f"{value}T00:00:00Z" if value else None


@router.post("/aid/offers/{offer_id}/withdraw")
def aid_withdraw(
    offer_id: RowId, request: Request, session: SessionDep, user: Reader,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """Stop an offer taking commitments."""
    check_csrf(request, csrf_token)
    withdraw_offer(db_session=session, offer_id=offer_id, user=user, actor=actor_of(user))
    return RedirectResponse("/aid#offers", 303)


def _request_page(
    request: Request, session: SessionDep, user: User, language: str, request_id: int,
    errors: list[str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    require_reader(db_session=session, user=user)
    found = session.get(AidRequest, request_id)
    if found is None:
        raise NotFound(N_("no request for help %(id)s"), id=request_id)
    matches = matches_for(db_session=session, request=found)
    offers = [offer for _, offer in matches]
    labels = place_labels(
        db_session=session, settlement_ids=[o.settlement_id for o in offers], hub_ids=[],
        language=language,
    )  # fmt: skip
    names = organisation_names(session, offers)
    coordinating = user.role in ("coordinator", "admin")
    suggestions = [
        {
            "offer_id": offer.id,
            "kind": _kind_word(offer.kind, language),
            "remaining": offer.remaining,
            "unit": offer.unit,
            "conditions": offer.conditions,
            "place": labels.get(offer.settlement_id, ""),
            "organisation": names.get(offer.organisation_id or 0, ""),
            "reasons": [reason_words(reason, language) for reason in match.reasons],
            "mine": may_commit_offer(user, offer),
        }
        for match, offer in matches
    ]
    context = {
        "aid_request": _request_rows(session, [(found, None)], language)[0],
        "suggestions": suggestions,
        "open_quantity": found.quantity - found.committed - found.fulfilled,
        "may_see_contact": may_see_contact(db_session=session, request=found, user=user),
        "coordinating": coordinating,
        "errors": errors or [],
    }
    return render(request, "aid_request.html", language, context, status)


@router.get("/aid/requests/{request_id}")
def aid_request_page(
    request_id: RowId, request: Request, session: SessionDep, user: Reader, language: Language
) -> Response:
    """One request: what is needed, and the offers that can serve it, best first, with reasons."""
    return _request_page(request, session, user, language, request_id)


@router.post("/aid/requests/{request_id}/commit")
def aid_commit(
    request_id: RowId, request: Request, session: SessionDep, user: Reader, language: Language,
    offer_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    quantity: Annotated[int, Form(ge=1, le=100_000)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """Promise a quantity of one of your offers to this request."""
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            commit(
                db_session=session, request_id=request_id, offer_id=offer_id, quantity=quantity,
                user=user, actor=actor_of(user),
            )  # fmt: skip
    except DomainError as exc:
        errors = [exc.words(language)]
        return _request_page(request, session, user, language, request_id, errors, exc.status)
    return RedirectResponse("/aid#commitments", 303)


@router.post("/aid/requests/{request_id}/contact")
def aid_contact(
    request_id: RowId, request: Request, session: SessionDep, user: Reader, language: Language,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """How to reach the requester, for whoever committed; each view is recorded."""
    check_csrf(request, csrf_token)
    contact = request_contact(
        db_session=session, request_id=request_id, user=user, actor=actor_of(user)
    )
    context = {"contact": contact, "request_id": request_id}
    return render(request, "aid_contact.html", language, context)


@router.post("/aid/requests/{request_id}/cancel")
def aid_cancel_request(
    request_id: RowId, request: Request, session: SessionDep, user: Coordinator,
    language: Language, reason: Annotated[PlainText, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """A coordinator closes a request unmet, with a reason."""
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            cancel_request(
                db_session=session, request_id=request_id, reason=reason, user=user,
                actor=actor_of(user),
            )  # fmt: skip
    except DomainError as exc:
        errors = [exc.words(language)]
        return _request_page(request, session, user, language, request_id, errors, exc.status)
    return RedirectResponse("/aid/coordinator", 303)


@router.post("/aid/commitments/{commitment_id}/fulfil")
def aid_fulfil(
    commitment_id: RowId, request: Request, session: SessionDep, user: Reader,
    quantity: Annotated[int | None, Form(ge=0, le=100_000)] = None,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """Mark a commitment delivered, all of it or the quantity given."""
    check_csrf(request, csrf_token)
    fulfil(
        db_session=session, commitment_id=commitment_id, delivered=quantity, user=user,
        actor=actor_of(user),
    )  # fmt: skip
    return RedirectResponse("/aid#commitments", 303)


@router.post("/aid/commitments/{commitment_id}/cancel")
def aid_cancel_commitment(
    commitment_id: RowId, request: Request, session: SessionDep, user: Reader,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """Call a commitment off: the request reopens, the offer gets its quantity back."""
    check_csrf(request, csrf_token)
    cancel_commitment(
        db_session=session, commitment_id=commitment_id, user=user, actor=actor_of(user)
    )
    return RedirectResponse("/aid#commitments", 303)


@router.get("/aid/coordinator")
def aid_coordinator(
    request: Request, session: SessionDep, user: Coordinator, language: Language
) -> Response:
    """Open requests by region and kind, time to fulfil, offers running low, requests waiting
    too long, and volunteers to verify."""
    figures = overview(db_session=session)
    regions = {r.id: r for r in session.scalars(select(Region))}
    table = [
        {
            "region": localized_name(regions[region_id], language) if region_id in regions else "",
            "kind": _kind_word(kind, language),
            "requests": count,
            "people": people,
        }
        for region_id, kind, count, people in figures.by_region_and_kind
    ]
    volunteers = session.execute(
        select(Volunteer, User)
        .join(User, User.id == Volunteer.user_id)
        .order_by(Volunteer.status != VolunteerStatus.UNVERIFIED, Volunteer.created_at)
    ).all()
    context = {
        "table": table,
        "median": figures.hours_to_fulfil_median,
        "p90": figures.hours_to_fulfil_p90,
        "fulfilled": figures.fulfilled,
        "low_offers": offer_reads(session, figures.low_offers, language),
        "unmatched": _request_rows(session, [(r, None) for r in figures.unmatched], language),
        "volunteers": [
            {
                "user_id": v.user_id,
                "username": u.username,
                "name": v.full_name,
                "status": v.status,
                "skills": [_kind_word(k, language) for k in v.skills.split(",") if k],
            }
            for v, u in volunteers
        ],
        "kind_words": dict(_choices(KIND_WORDS, language)),
        # the map draws what the table lists, by place: the table stays the accessible path
        "request_map": requests_map(
            open_requests_by_place(session, language), lambda k: _kind_word(k, language), language
        ),
    }
    return render(request, "aid_coordinator.html", language, context)


@router.post("/aid/volunteers/{user_id}/decision")
def aid_volunteer_decision(
    user_id: RowId, request: Request, session: SessionDep, user: Coordinator,
    status: Annotated[str, Form(pattern="^(verified|suspended)$")],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:  # fmt: skip
    """Verify or suspend a volunteer."""
    check_csrf(request, csrf_token)
    decide_volunteer(
        db_session=session, user_id=user_id, status=VolunteerStatus(status), actor=actor_of(user)
    )
    return RedirectResponse("/aid/coordinator#volunteers", 303)
