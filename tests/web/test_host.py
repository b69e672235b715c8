"""The host's page: who is coming (names and ages, no documents), filters, a POST search and
paging; capacity below the load needs a confirmation; bad numbers answer in the page's language;
a scanned letter offers Check in to the host of its settlement."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.i18n import gettext
from qonaq.registry.models import Household, Placement
from qonaq.registry.service import confirm_placement, register_household
from qonaq.settlements.models import Settlement
from tests.registry.factories import household, person
from tests.web.conftest import Site
from tests.web.test_refusals import session_client


def _place(engine: Engine, settlement_id: str, *names: str, born: str = "1990-05-17") -> int:
    """A household of `names` placed in `settlement_id`; returns its placement id."""
    members = [person(full_name=name, birth_date=born) for name in names]
    data = household(members=members)
    with transaction(engine) as db_session:
        found = register_household(db_session=db_session, data=data, actor=Actor("t"))
        placement = confirm_placement(
            db_session=db_session, household_id=found.id, settlement_id=settlement_id,
            actor=Actor("desk"), recommended=[settlement_id], override_reason=None,
        )  # fmt: skip
        db_session.flush()
        return placement.id


def _expect(engine: Engine, placement_id: int, days: int) -> None:
    day = datetime.now(UTC).date() + timedelta(days=days)
    with transaction(engine) as db_session:
        db_session.execute(
            update(Placement).where(Placement.id == placement_id).values(expected_arrival=day)
        )


def _rows(html: str) -> list[str]:
    return re.findall(r'data-placement="(\d+)"', html)


def test_the_host_sees_names_and_ages_of_its_own_households_only(sqlite_site: Site) -> None:
    child_born = (datetime.now(UTC).date() - timedelta(days=365 * 7 + 10)).isoformat()
    ours = _place(sqlite_site.engine, "small", "Анна Соколова")
    with transaction(sqlite_site.engine) as db_session:
        data = household(
            members=[person(full_name="Лена Соколова", birth_date=child_born,
                            document_type="birth_certificate", document_number="IV-MJ 123456")]
        )  # fmt: skip
        kid = register_household(db_session=db_session, data=data, actor=Actor("t"))
        confirm_placement(
            db_session=db_session, household_id=kid.id, settlement_id="small",
            actor=Actor("desk"), recommended=["small"], override_reason=None,
        )  # fmt: skip
    _place(sqlite_site.engine, "aksai", "Someone Elsewhere")
    client, _ = session_client(sqlite_site, "host")
    page = client.get("/host?lang=en")
    assert page.status_code == 200
    assert str(ours) in _rows(page.text) and len(_rows(page.text)) == 2
    today = datetime.now(UTC).date()
    adult_age = today.year - 1990 - ((today.month, today.day) < (5, 17))
    assert f"Анна Соколова · {adult_age} · adult" in page.text
    assert "Лена Соколова · 7 · child" in page.text
    assert "Someone Elsewhere" not in page.text
    assert "IV-MJ 123456" not in page.text and "75 1" not in page.text
    # a host cannot open another settlement's list with ?settlement=
    assert "Someone Elsewhere" not in client.get("/host?settlement=aksai").text


def test_due_today_and_overdue_filters(sqlite_site: Site) -> None:
    today = _place(sqlite_site.engine, "small", "Today Person")
    late = _place(sqlite_site.engine, "small", "Late Person")
    later = _place(sqlite_site.engine, "small", "Later Person")
    _expect(sqlite_site.engine, today, 0)
    _expect(sqlite_site.engine, late, -2)
    _expect(sqlite_site.engine, later, 3)
    client, _ = session_client(sqlite_site, "host")
    assert _rows(client.get("/host?show=today").text) == [str(today)]
    assert _rows(client.get("/host?show=overdue").text) == [str(late)]
    assert sorted(_rows(client.get("/host?show=all").text)) == sorted(
        [str(today), str(late), str(later)]
    )
    assert client.get("/host?show=everything").status_code == 422


def test_search_by_name_or_reference_is_a_post_and_pages(sqlite_site: Site) -> None:
    wanted = _place(sqlite_site.engine, "oral", "Ольга Иванова")
    with transaction(sqlite_site.engine) as db_session:
        placement = db_session.get(Placement, wanted)
        assert placement is not None
        owner = db_session.get(Household, placement.household_id)
        assert owner is not None
        reference = owner.reference
    for n in range(60):
        _place(sqlite_site.engine, "oral", f"Person {n:02d}")
    client, csrf = session_client(sqlite_site, "coordinator")
    first = client.get("/host?settlement=oral&lang=en")
    assert len(_rows(first.text)) == 50 and "Page 1 / 2" in first.text
    form = {"csrf_token": csrf, "settlement_id": "oral", "show": "all", "page": "2"}
    second = client.post("/host/search?lang=en", data=form)
    assert len(_rows(second.text)) == 11 and "Page 2 / 2" in second.text
    # case-insensitive in Cyrillic, on both the name and the reference
    found = client.post("/host/search", data={**form, "page": "1", "search": "ольга"})
    assert _rows(found.text) == [str(wanted)]
    by_reference = client.post("/host/search", data={**form, "page": "1", "search": reference})
    assert _rows(by_reference.text) == [str(wanted)]
    nobody = client.post("/host/search?lang=en", data={**form, "page": "1", "search": "zzz"})
    assert _rows(nobody.text) == [] and "No household matches." in nobody.text
    # the search form posts; no name is in any link of the page
    assert 'method="post" action="/host/search"' in found.text
    assert "ольга" not in "".join(re.findall(r'href="([^"]*)"', found.text)).lower()


def _capacity(client: object, csrf: str, **values: str) -> object:
    form = {"csrf_token": csrf, "settlement_id": "small", "cap_persons": "10",
            "cap_children": "10", "cap_medical": "10", **values}  # fmt: skip
    return client.post(  # type: ignore[attr-defined]
        "/host/capacity?lang=ru", data=form, follow_redirects=False
    )


def _cap_persons(engine: Engine) -> int:
    with transaction(engine, writes=False) as db_session:
        settlement = db_session.get(Settlement, "small")
        assert settlement is not None
        return settlement.cap_persons


def test_capacity_below_the_load_needs_a_confirmation(sqlite_site: Site) -> None:
    _place(sqlite_site.engine, "small", "One", "Two", "Three")
    client, csrf = session_client(sqlite_site, "host")
    refused = _capacity(client, csrf, cap_persons="2")
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "уже размещённых здесь: 3 чел." in refused.text  # type: ignore[attr-defined]
    assert _cap_persons(sqlite_site.engine) == 10
    saved = _capacity(client, csrf, cap_persons="2", below_load="1")
    assert saved.status_code == 303  # type: ignore[attr-defined]
    assert _cap_persons(sqlite_site.engine) == 2


def test_bad_numbers_answer_in_the_pages_language(sqlite_site: Site) -> None:
    client, csrf = session_client(sqlite_site, "host")
    text = _capacity(client, csrf, cap_persons="many")
    negative = _capacity(client, csrf, cap_children="-5")
    for answer in (text, negative):
        assert answer.status_code == 422  # type: ignore[attr-defined]
        assert "Input should" not in answer.text  # type: ignore[attr-defined]
    beds = gettext("ru", "Beds (persons)")
    assert f"{beds}: {gettext('ru', 'is not a whole number')}" in text.text  # type: ignore[attr-defined]
    schools = gettext("ru", "School and kindergarten places")
    assert f"{schools}: {gettext('ru', 'cannot be negative')}" in negative.text  # type: ignore[attr-defined]
    assert _cap_persons(sqlite_site.engine) == 10


def _verify_url(site: Site, placement_id: int) -> str:
    registrar, _ = session_client(site, "registrar")
    letter = registrar.get(f"/letters/{placement_id}")
    found = re.search(r"/verify/\d+\?code=[0-9a-f]+", letter.text)
    assert found is not None
    return found.group(0)


def test_a_scanned_letter_offers_check_in_to_its_host_only(sqlite_site: Site) -> None:
    placement_id = _place(sqlite_site.engine, "small", "Scan Me")
    url = _verify_url(sqlite_site, placement_id)
    assert 'id="check-in"' not in sqlite_site.client.get(url).text  # the public sees no button
    volunteer, _ = session_client(sqlite_site, "volunteer")
    assert 'id="check-in"' not in volunteer.get(url).text
    host, csrf = session_client(sqlite_site, "host")
    page = host.get(url + "&lang=en")
    assert 'id="check-in"' in page.text
    code = url.split("code=")[1]
    done = host.post(
        f"/host/placements/{placement_id}/arrival",
        data={"csrf_token": csrf, "arrived": "1", "code": code},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == url
    after = host.get(url + "&lang=en")
    assert 'id="verify-status">arrived<' in after.text and 'id="check-in"' not in after.text


def test_a_host_of_another_settlement_gets_no_check_in(sqlite_site: Site) -> None:
    placement_id = _place(sqlite_site.engine, "aksai", "Elsewhere")
    url = _verify_url(sqlite_site, placement_id)
    host, csrf = session_client(sqlite_site, "host")
    assert 'id="check-in"' not in host.get(url).text
    refused = host.post(
        f"/host/placements/{placement_id}/arrival", data={"csrf_token": csrf, "arrived": "1"}
    )
    assert refused.status_code == 403
