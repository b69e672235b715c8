"""The desk's settlement index is kept per process between recommendations, yet every
recommendation sees the loads, capacities, openings and vacancies of now, also when another
server process wrote them (here: another engine writing straight to the database)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from qonaq.auth.actor import Actor
from qonaq.config import get_settings
from qonaq.db.session import make_engine, transaction
from qonaq.registry import placing
from qonaq.registry.desk_cache import DeskView, desk_view
from qonaq.registry.models import Household
from qonaq.registry.service import register_household
from tests.registry.factories import household, seed_tiny_country


@pytest.fixture
def country(migrated_engine: Engine) -> Iterator[Engine]:
    """The tiny country, and a second engine on the same database: another server process."""
    seed_tiny_country(migrated_engine)
    other = make_engine(str(migrated_engine.url.render_as_string(hide_password=False)))
    yield other
    other.dispose()


def _view(engine: Engine) -> DeskView:
    with transaction(engine, writes=False) as db_session:
        return desk_view(db_session=db_session)


def _options(engine: Engine, household_id: int) -> list[placing.OptionRead]:
    with transaction(engine, writes=False) as db_session:
        found = db_session.get(Household, household_id)
        assert found is not None
        return placing.desk_options(db_session=db_session, household=found, language="en")


def _register(engine: Engine, size: int = 1, **overrides: object) -> int:
    with transaction(engine) as db_session:
        data = household(size, **overrides)
        return register_household(db_session=db_session, data=data, actor=Actor("desk")).id


def _elsewhere(other: Engine, statement: str) -> None:
    with other.begin() as connection:
        connection.execute(text(statement))


def test_the_index_is_built_once_and_kept(migrated_engine: Engine, country: Engine) -> None:
    first, second = _view(migrated_engine), _view(migrated_engine)
    # the same settlement vectors, not rebuilt from 346 records per recommendation
    assert second.index.places is first.index.places
    assert second.index.load is not first.index.load


def test_without_the_cache_every_recommendation_rebuilds(
    migrated_engine: Engine, country: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "desk_cache", False)
    assert _view(migrated_engine).index.places is not _view(migrated_engine).index.places


def test_loads_written_by_another_process_are_seen_at_once(
    migrated_engine: Engine, country: Engine
) -> None:
    household_id = _register(migrated_engine)
    before = {o.settlement_id: o for o in _options(migrated_engine, household_id)}
    _elsewhere(country, "UPDATE settlements SET load_persons = 350 WHERE id = 'aksai'")
    after = {o.settlement_id: o for o in _options(migrated_engine, household_id)}
    assert before["aksai"].fill_before == 0
    assert after["aksai"].fill_before == pytest.approx(350 / 700)
    # full now: no longer offered
    _elsewhere(country, "UPDATE settlements SET load_persons = 700 WHERE id = 'aksai'")
    assert "aksai" not in [o.settlement_id for o in _options(migrated_engine, household_id)]
    assert (
        _view(migrated_engine).index.load[_view(migrated_engine).index.position["aksai"], 0] == 700
    )


def test_closing_and_capacity_changes_elsewhere_rebuild_the_index(
    migrated_engine: Engine, country: Engine
) -> None:
    household_id = _register(migrated_engine)
    assert "aksai" in [o.settlement_id for o in _options(migrated_engine, household_id)]
    kept = _view(migrated_engine)
    _elsewhere(country, "UPDATE settlements SET open = false WHERE id = 'aksai'")
    assert "aksai" not in [o.settlement_id for o in _options(migrated_engine, household_id)]
    _elsewhere(country, "UPDATE settlements SET open = true, cap_persons = 0 WHERE id = 'aksai'")
    assert "aksai" not in [o.settlement_id for o in _options(migrated_engine, household_id)]
    assert _view(migrated_engine).index.places is not kept.index.places


def test_vacancies_added_elsewhere_rebuild_the_index(
    migrated_engine: Engine, country: Engine
) -> None:
    kept = _view(migrated_engine)
    assert kept.index.vacancies.size == 0
    _elsewhere(
        country,
        "INSERT INTO vacancies (settlement_id, occupation, vacancies) VALUES ('small', 'it', 3)",
    )
    now = _view(migrated_engine)
    assert now.index.vacancies[now.index.position["small"], now.index.occupations["it"]] == 3


def test_a_wish_filled_elsewhere_is_called_full(migrated_engine: Engine, country: Engine) -> None:
    household_id = _register(migrated_engine, preferences=["small"])
    _view(migrated_engine)  # built while `small` has room
    _elsewhere(country, "UPDATE settlements SET load_persons = 10 WHERE id = 'small'")
    with transaction(migrated_engine, writes=False) as db_session:
        found = db_session.get(Household, household_id)
        assert found is not None
        words = placing.wishes_not_shown(
            db_session=db_session, household=found, shown=[], language="en"
        )
    assert words == ["Small: full"]
