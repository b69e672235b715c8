"""Requests, offers and commitments: matching rules and reasons, partial fulfilment, expiry."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from qonaq.aid.matching import Need, Supply, rank_offers, reason_words
from qonaq.aid.models import AidOffer, AidRequest
from qonaq.aid.service import (
    cancel_commitment,
    cancel_request,
    commit,
    expire_stale,
    fulfil,
    matches_for,
    open_requests_for_household,
    requests_near,
)
from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.errors import Conflict, Forbidden, Invalid
from qonaq.registry.service import register_household
from tests.aid.factories import (
    add_offer,
    add_request,
    ask,
    seed_aid_world,
    user_named,
    verify_volunteer,
)
from tests.registry.factories import household

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _supply(offer_id: int, **overrides: object) -> Supply:
    values: dict[str, object] = {
        "offer_id": offer_id, "kind": "shelter", "lat": 51.23, "lon": 51.37, "radius_km": 50,
        "remaining": 10, "available_from": NOW - timedelta(days=1), "available_until": None,
    }  # fmt: skip
    values.update(overrides)
    return Supply(**values)  # type: ignore[arg-type]


NEED = Need(kind="shelter", urgency="today", lat=51.23, lon=51.37, open_quantity=4)


def test_offers_rank_by_kind_then_time_then_cover_then_distance() -> None:
    supplies = [
        _supply(1, kind="other"),
        _supply(2, lat=51.5),  # about 30 km away
        _supply(3),  # here
        _supply(4, remaining=2),  # here but covers only part
        _supply(5, available_from=NOW + timedelta(hours=12)),  # later today
        _supply(6, kind="food"),  # another kind: never
        _supply(7, lat=53.0),  # beyond its 50 km
        _supply(8, available_until=NOW - timedelta(hours=1)),  # ended
        _supply(9, remaining=0),  # nothing left
    ]
    ranked = rank_offers(NEED, supplies, NOW)
    assert [m.offer_id for m in ranked] == [3, 2, 4, 5, 1]


def test_reasons_speak_the_readers_language() -> None:
    (match,) = rank_offers(NEED, [_supply(4, remaining=2, lat=51.5)], NOW)
    english = [reason_words(r, "en") for r in match.reasons]
    assert english == [
        "offers exactly this kind of help",
        "30 km away, within its 50 km",
        "available now",
        "2 left: covers 2 of 4",
    ]
    russian = [reason_words(r, "ru") for r in match.reasons]
    kazakh = [reason_words(r, "kk") for r in match.reasons]
    assert russian[1] == "30 км отсюда, в пределах его 50 км"
    assert all(r != e for r, e in zip(russian, english, strict=True))
    assert all(k != e and k != r for k, e, r in zip(kazakh, english, russian, strict=True))


def test_partial_fulfilment_reopens_the_rest_and_returns_the_unused(sqlite_engine: Engine) -> None:
    seed_aid_world(sqlite_engine)
    volunteer = verify_volunteer(sqlite_engine)
    request_id = add_request(sqlite_engine, people=3, quantity=5)
    offer_id = add_offer(sqlite_engine, volunteer, quantity=4)
    with transaction(sqlite_engine) as db_session:
        first = commit(
            db_session=db_session, request_id=request_id, offer_id=offer_id, quantity=4,
            user=volunteer, actor=Actor("v"),
        )  # fmt: skip
        request = db_session.get(AidRequest, request_id)
        assert request is not None and (request.status, request.committed) == ("open", 4)
        fulfil(
            db_session=db_session, commitment_id=first.id, delivered=3, user=volunteer,
            actor=Actor("v"),
        )  # fmt: skip
    with transaction(sqlite_engine) as db_session:
        request = db_session.get(AidRequest, request_id)
        offer = db_session.get(AidOffer, offer_id)
        assert request is not None and offer is not None
        assert (request.status, request.committed, request.fulfilled) == ("open", 0, 3)
        assert offer.remaining == 1  # the one promised and not used went back
        second = commit(
            db_session=db_session, request_id=request_id, offer_id=offer_id, quantity=1,
            user=volunteer, actor=Actor("v"),
        )  # fmt: skip
        with pytest.raises(Conflict, match="has only 0 left"):
            commit(
                db_session=db_session, request_id=request_id, offer_id=offer_id, quantity=1,
                user=volunteer, actor=Actor("v"),
            )  # fmt: skip
    with transaction(sqlite_engine) as db_session:
        fulfil(
            db_session=db_session, commitment_id=second.id, delivered=None, user=volunteer,
            actor=Actor("v"),
        )  # fmt: skip
        request = db_session.get(AidRequest, request_id)
        assert request is not None and (request.status, request.fulfilled) == ("open", 4)
        with pytest.raises(Conflict, match="already fulfilled"):
            fulfil(
                db_session=db_session, commitment_id=second.id, delivered=1, user=volunteer,
                actor=Actor("v"),
            )  # fmt: skip


def test_a_request_fully_covered_is_committed_then_fulfilled(sqlite_engine: Engine) -> None:
    seed_aid_world(sqlite_engine)
    volunteer = verify_volunteer(sqlite_engine)
    request_id = add_request(sqlite_engine, people=2)
    offer_id = add_offer(sqlite_engine, volunteer)
    with transaction(sqlite_engine) as db_session:
        promise = commit(
            db_session=db_session, request_id=request_id, offer_id=offer_id, quantity=2,
            user=volunteer, actor=Actor("v"),
        )  # fmt: skip
        assert db_session.get(AidRequest, request_id).status == "committed"  # type: ignore[union-attr]
        with pytest.raises(Conflict, match="needs only 0 more"):
            commit(
                db_session=db_session, request_id=request_id, offer_id=offer_id, quantity=1,
                user=volunteer, actor=Actor("v"),
            )  # fmt: skip
        fulfil(
            db_session=db_session, commitment_id=promise.id, delivered=None, user=volunteer,
            actor=Actor("v"),
        )  # fmt: skip
        request = db_session.get(AidRequest, request_id)
        assert request is not None and request.status == "fulfilled"
        assert request.closed_at is not None


def test_only_who_committed_fulfils_and_calling_off_gives_back(sqlite_engine: Engine) -> None:
    seed_aid_world(sqlite_engine)
    volunteer = verify_volunteer(sqlite_engine)
    host = user_named(sqlite_engine, "host")
    request_id = add_request(sqlite_engine, people=2)
    offer_id = add_offer(sqlite_engine, volunteer, quantity=2)
    with transaction(sqlite_engine) as db_session:
        promise = commit(
            db_session=db_session, request_id=request_id, offer_id=offer_id, quantity=2,
            user=volunteer, actor=Actor("v"),
        )  # fmt: skip
        with pytest.raises(Forbidden):
            fulfil(
                db_session=db_session, commitment_id=promise.id, delivered=None, user=host,
                actor=Actor("h"),
            )  # fmt: skip
        cancel_commitment(
            db_session=db_session, commitment_id=promise.id, user=volunteer, actor=Actor("v")
        )
        request = db_session.get(AidRequest, request_id)
        offer = db_session.get(AidOffer, offer_id)
        assert request is not None and offer is not None
        assert (request.status, request.committed, offer.remaining) == ("open", 0, 2)


def test_cancelling_a_request_calls_off_its_commitments(sqlite_engine: Engine) -> None:
    seed_aid_world(sqlite_engine)
    volunteer = verify_volunteer(sqlite_engine)
    coordinator = user_named(sqlite_engine, "coordinator")
    request_id = add_request(sqlite_engine, people=2)
    offer_id = add_offer(sqlite_engine, volunteer, quantity=5)
    with transaction(sqlite_engine) as db_session:
        commit(
            db_session=db_session, request_id=request_id, offer_id=offer_id, quantity=2,
            user=volunteer, actor=Actor("v"),
        )  # fmt: skip
        with pytest.raises(Forbidden):
            cancel_request(
                db_session=db_session, request_id=request_id, reason="dup", user=volunteer,
                actor=Actor("v"),
            )  # fmt: skip
        cancel_request(
            db_session=db_session, request_id=request_id, reason="a duplicate", user=coordinator,
            actor=Actor("c"),
        )  # fmt: skip
        offer = db_session.get(AidOffer, offer_id)
        assert offer is not None and offer.remaining == 5
        assert db_session.get(AidRequest, request_id).status == "cancelled"  # type: ignore[union-attr]


def test_the_database_refuses_an_offer_below_zero(migrated_engine: Engine) -> None:
    seed_aid_world(migrated_engine)
    volunteer = verify_volunteer(migrated_engine)
    offer_id = add_offer(migrated_engine, volunteer, quantity=2)
    with pytest.raises(IntegrityError), transaction(migrated_engine) as db_session:
        db_session.execute(text(f"UPDATE aid_offers SET remaining = -1 WHERE id = {offer_id}"))
    request_id = add_request(migrated_engine, people=2)
    with pytest.raises(IntegrityError), transaction(migrated_engine) as db_session:
        db_session.execute(text(f"UPDATE aid_requests SET committed = 3 WHERE id = {request_id}"))


def test_stale_requests_and_ended_offers_close_themselves(sqlite_engine: Engine) -> None:
    seed_aid_world(sqlite_engine)
    volunteer = verify_volunteer(sqlite_engine)
    stale = add_request(sqlite_engine, people=1)
    taken = add_request(sqlite_engine, people=2)
    ending = add_offer(
        sqlite_engine, volunteer, quantity=5, available_until=datetime.now(UTC) + timedelta(days=1)
    )
    with transaction(sqlite_engine) as db_session:
        commit(
            db_session=db_session, request_id=taken, offer_id=ending, quantity=1, user=volunteer,
            actor=Actor("v"),
        )  # fmt: skip
    later = datetime.now(UTC) + timedelta(days=4)
    with transaction(sqlite_engine) as db_session:
        # on read: a stale request is neither listed nor matched before any sweep
        listed = [r.id for r, _ in requests_near(db_session=db_session, user=volunteer, now=later)]
        assert stale not in listed and taken in listed
        request = db_session.get(AidRequest, taken)
        assert request is not None
        assert matches_for(db_session=db_session, request=request, now=later) == []
        assert expire_stale(db_session=db_session, actor=Actor("cron"), now=later).offers == 1
    with transaction(sqlite_engine) as db_session:
        statuses = dict(db_session.execute(select(AidRequest.id, AidRequest.status)).all())
        # the request someone is working on stays until delivered or called off
        assert statuses == {stale: "expired", taken: "open"}
        assert db_session.get(AidOffer, ending).status == "expired"  # type: ignore[union-attr]
        with pytest.raises(Conflict):
            commit(
                db_session=db_session, request_id=taken, offer_id=ending, quantity=1,
                user=volunteer, actor=Actor("v"), now=later,
            )  # fmt: skip


def test_an_unverified_volunteer_sees_nothing(sqlite_engine: Engine) -> None:
    seed_aid_world(sqlite_engine)
    volunteer = user_named(sqlite_engine, "volunteer")
    add_request(sqlite_engine)
    with transaction(sqlite_engine) as db_session, pytest.raises(Forbidden):
        requests_near(db_session=db_session, user=volunteer)


def test_a_volunteer_sees_only_requests_within_their_area(sqlite_engine: Engine) -> None:
    seed_aid_world(sqlite_engine)
    volunteer = verify_volunteer(sqlite_engine, area="small")
    with transaction(sqlite_engine) as db_session:
        from qonaq.aid.models import Volunteer

        profile = db_session.get(Volunteer, volunteer.id)
        assert profile is not None
        profile.radius_km = 50  # Small to Oral is about 125 km
    near = add_request(sqlite_engine, settlement_id="small")
    add_request(sqlite_engine, settlement_id="oral")
    with transaction(sqlite_engine) as db_session:
        assert [r.id for r, _ in requests_near(db_session=db_session, user=volunteer)] == [near]


def test_a_household_code_links_the_request_and_its_status_page_reads_it(
    sqlite_engine: Engine,
) -> None:
    seed_aid_world(sqlite_engine)
    with transaction(sqlite_engine) as db_session:
        family = register_household(db_session=db_session, data=household(2), actor=Actor("t"))
        reference, household_id = family.reference, family.id
    with pytest.raises(Invalid, match="no household has the code"):
        add_request(sqlite_engine, household_code="QN-NOSUCH")
    add_request(sqlite_engine, household_code=reference.lower(), kind="sim_card", people=2)
    stale = add_request(sqlite_engine, household_code=reference, kind="food", people=2)
    add_request(sqlite_engine, kind="food")  # another household's
    with transaction(sqlite_engine) as db_session:
        request = db_session.get(AidRequest, stale)
        assert request is not None
        request.expires_at = datetime.now(UTC) - timedelta(minutes=1)  # expired on read
    with transaction(sqlite_engine) as db_session:
        (own,) = open_requests_for_household(db_session, household_id)
        every = open_requests_for_household(db_session, household_id, include_closed=True)
    assert (own.kind, own.status, own.quantity, own.fulfilled) == ("sim_card", "open", 2, 0)
    assert [(r.kind, r.status) for r in every] == [("food", "expired"), ("sim_card", "open")]
    assert "contact" not in own.model_dump() and "first_name" not in own.model_dump()


def test_a_request_needs_consent_and_exactly_one_place() -> None:
    with pytest.raises(ValueError, match="consent"):
        ask(consent=False)
    with pytest.raises(ValueError, match="choose one place"):
        ask(hub_id="syrym")


def test_the_overview_groups_open_requests_by_region_and_kind(migrated_engine: Engine) -> None:
    from qonaq.aid.service import overview

    seed_aid_world(migrated_engine)
    volunteer = verify_volunteer(migrated_engine)
    add_request(migrated_engine, people=2)
    add_request(migrated_engine, people=3, hub_id="syrym", settlement_id=None)
    met = add_request(migrated_engine, kind="legal", people=1)
    offer_id = add_offer(migrated_engine, volunteer, kind="legal", quantity=1)
    with transaction(migrated_engine) as db_session:
        promise = commit(
            db_session=db_session, request_id=met, offer_id=offer_id, quantity=1,
            user=volunteer, actor=Actor("v"),
        )  # fmt: skip
        fulfil(
            db_session=db_session, commitment_id=promise.id, delivered=None, user=volunteer,
            actor=Actor("v"),
        )  # fmt: skip
    with transaction(migrated_engine, writes=False) as db_session:
        figures = overview(db_session=db_session)
    assert figures.by_region_and_kind == [("west-kazakhstan", "food", 2, 5)]
    assert figures.fulfilled == 1 and figures.hours_to_fulfil_p90 is not None
    assert [o.id for o in figures.low_offers] == [offer_id]  # nothing left of it
