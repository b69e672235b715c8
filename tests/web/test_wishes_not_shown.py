"""Why a wished settlement is not among the options: closed, full, full for children, or
ranked lower; in words of the page's language on the household page."""

from datetime import date

from sqlalchemy import Engine, update

from qonaq.auth.actor import Actor
from qonaq.db.session import transaction
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS, parse_settlements
from qonaq.registry.models import Household
from qonaq.registry.placing import desk_options, wishes_not_shown
from qonaq.registry.service import register_household
from qonaq.settlements.models import Settlement
from qonaq.settlements.service import import_settlements
from qonaq.web.deps import SESSION_COOKIE
from tests.registry.factories import household, person
from tests.web.conftest import Site
from tests.web.test_cancel_and_replace import _session_cookie

MORE = "\n".join(
    [
        ",".join(SETTLEMENT_COLUMNS),
        "chapaev,Chapaev,West Kazakhstan,50.2,51.17,9000,town,1,700,170,35,0,0,0",
        "zhanibek,Zhanibek,West Kazakhstan,49.42,46.85,8000,town,1,700,170,35,0,0,0",
        "far,Far,West Kazakhstan,43.2,76.9,8000,town,1,700,170,35,0,0,0",
    ]
)


def _country(engine: Engine) -> None:
    with transaction(engine) as db_session:
        records = parse_settlements("more.csv", MORE)
        import_settlements(db_session=db_session, records=records, actor_label="t", source="t")
        db_session.execute(update(Settlement).where(Settlement.id == "small").values(open=False))
        db_session.execute(
            update(Settlement).where(Settlement.id == "aksai").values(cap_children=0)
        )


def _family(engine: Engine, preferences: list[str]) -> int:
    child = person(document_type="birth_certificate", document_number="I-МЮ 100001",
                   birth_date=date(2018, 1, 1))  # fmt: skip
    with transaction(engine) as db_session:
        data = household(members=[person(), child], preferences=preferences)
        return register_household(db_session=db_session, data=data, actor=Actor("d")).id


def _why(engine: Engine, household_id: int, language: str) -> tuple[list[str], list[str]]:
    with transaction(engine, writes=False) as db_session:
        found = db_session.get(Household, household_id)
        assert found is not None
        shown = [
            o.settlement_id
            for o in desk_options(db_session=db_session, household=found, language=language)
        ]
        words = wishes_not_shown(
            db_session=db_session, household=found, shown=shown, language=language
        )
        return shown, words


def test_each_wish_not_shown_says_why(site: Site) -> None:
    _country(site.engine)
    household_id = _family(site.engine, ["small", "aksai", "far"])
    shown, words = _why(site.engine, household_id, "en")
    assert "far" not in shown and len(shown) == 3
    assert words == [
        "Small: closed to new placements",
        "Aksai: full for children",
        "Far: has room, but three settlements ranked better",
    ]
    with transaction(site.engine) as db_session:
        db_session.execute(
            update(Settlement)
            .where(Settlement.id == "aksai")
            .values(cap_children=100, cap_persons=1)
        )
    assert _why(site.engine, household_id, "en")[1][1] == "Aksai: full"
    token, _csrf = _session_cookie(site.engine, "registrar")
    site.client.cookies.set(SESSION_COOKIE, token)
    page = site.client.get(f"/desk/households/{household_id}?lang=ru").text
    assert 'id="wishes-not-shown"' in page and "закрыт для новых размещений" in page
