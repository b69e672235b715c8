"""A registrar's working day in the browser: check the members, confirm, go on to the next
household, cancel and re-place, place a household again after it did not come."""

import itertools
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from qonaq.audit.models import AuditEvent
from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.registry.integrity import integrity_problems
from qonaq.registry.models import Household, Placement
from qonaq.registry.service import record_arrival
from tests.e2e.conftest import LiveSite
from tests.e2e.test_desk import fill_member, sign_in, wait_for_path

_numbers = itertools.count(4100001)


def register_one(page: Any, site: LiveSite, name: str) -> int:
    """Register a household of one at the desk; its id, from the household page's URL."""
    page.goto(f"{site.url}/desk")
    page.select_option("#origin", "hub:syrym")
    fill_member(page, 0, (name, "1990-01-15", "F", "passport", f"76 {next(_numbers)}"))
    page.click("#register")
    wait_for_path(page, "/desk/households/*")
    return int(page.url.rstrip("/").split("/")[-1].split("?")[0])


def _placements(site: LiveSite, household_id: int) -> list[tuple[str, str]]:
    with transaction(site.engine, writes=False) as db_session:
        assert integrity_problems(db_session=db_session) == []
        rows = db_session.execute(
            select(Placement.settlement_id, Placement.status)
            .where(Placement.household_id == household_id)
            .order_by(Placement.id)
        ).all()
        return [(settlement, status) for settlement, status in rows]


def _reasons(site: LiveSite, action: str, object_id: int) -> list[str | None]:
    with transaction(site.engine, writes=False) as db_session:
        return list(
            db_session.scalars(
                select(AuditEvent.reason).where(
                    AuditEvent.action == action, AuditEvent.object_id == str(object_id)
                )
            )
        )


def test_confirm_then_cancel_and_replace_then_next_household(
    page: Any, live_site: LiveSite
) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    household_id = register_one(page, live_site, "Maria Kuznetsova")
    expect(page.locator("#members tbody tr")).to_have_count(1)
    expect(page.locator("#members")).to_contain_text("Maria Kuznetsova")
    expect(page.locator("#members")).not_to_contain_text("76 ")  # no document number shown
    first = page.locator(".option").first.get_attribute("data-settlement")
    page.locator(".option").first.locator("button.confirm").click()
    wait_for_path(page, "/letters/*")
    page.goto(f"{live_site.url}/desk/households/{household_id}")
    page.locator("#cancel summary").click()
    page.fill("#cancel_reason", "the family asked for another town")
    page.click("#cancel-placement")
    wait_for_path(page, f"/desk/households/{household_id}")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "pending")
    second = page.locator(f".option:not([data-settlement='{first}'])").first
    other = second.get_attribute("data-settlement")
    second.locator("button.confirm").click()
    wait_for_path(page, "/letters/*")
    assert _placements(live_site, household_id) == [(first, "cancelled"), (other, "reserved")]
    (cancelled,) = [
        p for p, status in _placement_ids(live_site, household_id) if status == "cancelled"
    ]
    assert _reasons(live_site, "placement.cancel", cancelled) == [
        "the family asked for another town"
    ]
    page.click("#next-household")
    wait_for_path(page, "/desk")
    expect(page.locator("[name=m0_full_name]")).to_have_value("")


def _placement_ids(site: LiveSite, household_id: int) -> list[tuple[int, str]]:
    with transaction(site.engine, writes=False) as db_session:
        rows = db_session.execute(
            select(Placement.id, Placement.status).where(Placement.household_id == household_id)
        ).all()
        return [(placement_id, status) for placement_id, status in rows]


def test_a_household_that_did_not_come_is_placed_again(page: Any, live_site: LiveSite) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    household_id = register_one(page, live_site, "Sergei Volkov")
    page.locator(".option").first.locator("button.confirm").click()
    wait_for_path(page, "/letters/*")
    ((placement_id, _),) = _placement_ids(live_site, household_id)
    with transaction(live_site.engine) as db_session:
        record_arrival(
            db_session=db_session, placement_id=placement_id, arrived=False, actor=Actor("host")
        )
    page.goto(f"{live_site.url}/desk/households/{household_id}?lang=ru")
    expect(page.locator(".option")).to_have_count(0)
    page.fill("#reopen_reason", "пришли в ЦОН снова")
    page.click("#reopen-household")
    wait_for_path(page, f"/desk/households/{household_id}")
    expect(page.locator(".option")).to_have_count(3)
    page.locator(".option").first.locator("button.confirm").click()
    wait_for_path(page, "/letters/*")
    statuses = [status for _, status in _placements(live_site, household_id)]
    assert statuses == ["no_show", "reserved"]
    with transaction(live_site.engine, writes=False) as db_session:
        household = db_session.get(Household, household_id)
        assert household is not None and household.status == "placed"
    assert _reasons(live_site, "household.reopen", household_id) == ["пришли в ЦОН снова"]


def test_find_a_household_by_name_and_by_birth_certificate(page: Any, live_site: LiveSite) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    page.select_option("#origin", "hub:syrym")
    fill_member(page, 0, ("Тимур Жаксылыков", "1985-04-04", "M", "passport", "45 06 765432"))
    page.click("#add-member")
    fill_member(
        page, 1, ("Алия Жаксылыкова", "2017-08-08", "F", "birth_certificate", "III-МЮ 765432")
    )
    page.click("#register")
    wait_for_path(page, "/desk/households/*")
    reference = page.locator("h1").inner_text().split()[-1]
    page.click("a[href='/desk/search']")
    wait_for_path(page, "/desk/search")
    page.fill("#terms", "жаксылык")
    page.click("#find")
    wait_for_path(page, "/desk/search")
    assert "жаксылык" not in page.url  # posted: the terms are in no URL
    expect(page.locator("#found tbody tr")).to_have_count(1)
    expect(page.locator("#found")).to_contain_text(reference)
    page.fill("#terms", "iii-мю 765432")
    page.click("#find")
    expect(page.locator("#found")).to_contain_text(reference)
    page.locator("#found a").first.click()
    wait_for_path(page, "/desk/households/*")
    expect(page.locator("#members tbody tr")).to_have_count(2)
    expect(page.locator("#members")).to_contain_text("Алия Жаксылыкова")


def test_correct_a_typo_add_and_remove_a_member(page: Any, live_site: LiveSite) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    household_id = register_one(page, live_site, "Nadia Typo")
    page.locator("#members a.edit-member").first.click()
    wait_for_path(page, "/desk/persons/*/edit")
    page.fill("[name=m0_document_number]", "75 12")
    page.click("#save-member")
    expect(page.locator(".errors")).to_contain_text("75 1234567")
    page.fill("[name=m0_full_name]", "Nadia Fixed")
    page.fill("[name=m0_document_number]", f"76 {next(_numbers)}")
    page.click("#save-member")
    wait_for_path(page, f"/desk/households/{household_id}")
    expect(page.locator("#members")).to_contain_text("Nadia Fixed")
    page.click("#add-member-link")
    child = (
        "Kira Fixed",
        "2020-02-20",
        "F",
        "birth_certificate",
        f"II-МЮ {next(_numbers) % 10**6:06d}",
    )
    fill_member(page, 0, child)
    page.click("#save-member")
    wait_for_path(page, f"/desk/households/{household_id}")
    expect(page.locator("#members tbody tr")).to_have_count(2)
    with transaction(live_site.engine, writes=False) as db_session:
        household = db_session.get(Household, household_id)
        assert household is not None and (household.size, household.children) == (2, 1)
    page.locator("#members tr", has_text="Kira Fixed").locator("button.remove-member").click()
    expect(page.locator("#members tbody tr")).to_have_count(1)
    _placements(live_site, household_id)  # checks the database's invariants
