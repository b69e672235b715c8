"""`make demo`: set up the embedded database, load Kazakhstan, register a first wave, serve."""

import secrets
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from qonaq.aid.demo import seed_demo_aid
from qonaq.arrivals.demo import seed_demo_preregistrations
from qonaq.auth.actor import Actor
from qonaq.auth.models import User
from qonaq.auth.service import create_user
from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.errors import DomainError
from qonaq.geo.gazetteer import load_settlements, regions_geojson
from qonaq.i18n import LANGUAGES
from qonaq.registry import placing
from qonaq.registry.engine_records import pending_households
from qonaq.registry.service import register_household
from qonaq.registry.synthetic import synthetic_households
from qonaq.settlements.models import Hub, Settlement
from qonaq.settlements.seed import seed_kz
from qonaq.settlements.service import RegionCapacity, capacity_by_region

DEMO_ACTOR = Actor(label="demo", role="admin")
FIRST_WAVE = 3000
# most of the first wave is placed by a night's batch plan; the rest waits at the desks
LEFT_FOR_THE_DESK = 200
# Oral (West Kazakhstan): the demo host's akimat
DEMO_HOST_SETTLEMENT = "608668"


def capacity_table(rows: list[RegionCapacity]) -> Table:
    """Settlements and (estimated) capacity per region, with a total row."""
    table = Table(
        title="Kazakhstan: settlements and capacity per region (estimates until declared)"
    )
    for column in (
        "region",
        "settlements",
        "population",
        "beds",
        "school places",
        "medical",
        "placed",
    ):
        table.add_column(column, justify="left" if column == "region" else "right")
    for row in rows:
        table.add_row(
            row.region.name.removesuffix(" Region"), str(row.settlements), f"{row.population:,}",
            f"{row.cap_persons:,}", f"{row.cap_children:,}", f"{row.cap_medical:,}",
            f"{row.load_persons:,}",
        )  # fmt: skip
    table.add_section()
    table.add_row(
        "total", str(sum(r.settlements for r in rows)), f"{sum(r.population for r in rows):,}",
        f"{sum(r.cap_persons for r in rows):,}", f"{sum(r.cap_children for r in rows):,}",
        f"{sum(r.cap_medical for r in rows):,}", f"{sum(r.load_persons for r in rows):,}",
    )  # fmt: skip
    return table


def demo_users(db_session: Session) -> list[tuple[str, str, str]]:
    """A coordinator, a registrar, a host and a volunteer, created once; returns (role,
    username, password)."""
    created = []
    for role, username in (
        ("coordinator", "coordinator"),
        ("registrar", "registrar"),
        ("host", "akimat-oral"),
        ("volunteer", "volunteer-oral"),
    ):
        if db_session.scalars(select(User).where(User.username == username)).first() is not None:
            continue
        password = secrets.token_urlsafe(9)
        create_user(
            db_session=db_session, username=username, password=password, role=role,
            actor=DEMO_ACTOR, settlement_id=DEMO_HOST_SETTLEMENT if role == "host" else None,
            organisation="Kamkor" if role == "volunteer" else None,
        )  # fmt: skip
        created.append((role, username, password))
    return created


def first_wave(db_session: Session, count: int) -> int:
    """Register `count` synthetic households through the service layer; returns how many."""
    hubs = list(db_session.scalars(select(Hub.id)))
    big_cities = list(
        db_session.scalars(select(Settlement.id).where(Settlement.kind == "republic_city"))
    )
    registered = 0
    for household in synthetic_households(count, hubs, big_cities):
        try:
            with db_session.begin_nested():
                register_household(db_session=db_session, data=household, actor=DEMO_ACTOR)
            registered += 1
        except DomainError:
            continue  # a demo document drawn twice: the real dedup refused it
    return registered


def simulate_2022(console: Console, out: Path) -> None:
    """Compare free, quota and qonaq on the 2022 wave; the dashboard links the report."""
    from qonaq.cli.simulate import comparison_table, run_with_progress
    from qonaq.simulation.report import render_report
    from qonaq.simulation.scenario import load_scenario

    surge = load_scenario("kz-2022")
    comparison = run_with_progress(surge, ("free", "quota", "qonaq"), load_settlements())
    console.print(comparison_table(comparison))
    out.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:  # the dashboard links the one in its reader's language
        report = render_report(comparison, regions_geojson(), language)
        (out / f"report.{language}.html").write_text(report, "utf-8")
    console.print(f"simulation report: {out / 'report.ru.html'} (kk, en too; on the dashboard)")


def main(argv: list[str]) -> None:
    """Set up the database, register and place a first wave, print logins, serve the UI."""
    console = Console()
    settings = get_settings()
    url = settings.resolved_database_url()
    console.print(f"database: {url}")
    migrate.upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as db_session:
        result = seed_kz(db_session=db_session)
        console.print(f"gazetteer: {result.created} settlements new, {result.updated} updated")
        logins = demo_users(db_session)
    with transaction(engine) as db_session:
        volunteer = db_session.scalars(select(User).where(User.username == "volunteer-oral")).one()
        asked = seed_demo_aid(db_session=db_session, volunteer=volunteer, actor=DEMO_ACTOR)
        console.print(f"help: {asked} requests for help and a volunteer's offers around Oral")
    with transaction(engine) as db_session:
        if not pending_households(db_session=db_session) and not logins:
            console.print("first wave already registered")
        else:
            count = first_wave(db_session, FIRST_WAVE)
            console.print(f"registered {count} households of the first wave")
    with transaction(engine) as db_session:
        codes = seed_demo_preregistrations(db_session=db_session, after=FIRST_WAVE)
    # codes only (no names or documents): find them at the desk or look them up on /status
    if codes:
        console.print(f"pre-registrations waiting for a desk, codes: {' '.join(codes)}")
    with transaction(engine, writes=False) as db_session:
        pending = len(pending_households(db_session=db_session))
    if pending > LEFT_FOR_THE_DESK:
        plan, applied = placing.plan_and_apply(
            engine=engine, policy_name="default", actor=DEMO_ACTOR,
            limit=pending - LEFT_FOR_THE_DESK,
        )  # fmt: skip
        console.print(
            f"night batch plan: {applied.placed} households placed, "
            f"gap {plan.gap:.2%}; {LEFT_FOR_THE_DESK} left for the desks"
        )
    with transaction(engine, writes=False) as db_session:
        console.print(capacity_table(capacity_by_region(db_session=db_session)))
    simulate_2022(console, settings.var_dir / "simulation")
    for role, username, password in logins:
        console.print(
            f"login  {role:<12} {username:<14} password: [bold]{password}[/bold] (shown once)"
        )
    if "--no-serve" in argv:
        return
    from qonaq.cli.serve import serve

    console.print(f"serving on http://{settings.host}:{settings.port}/  (Ctrl+C to stop)")
    serve(host=settings.host, port=settings.port, workers=1)


if __name__ == "__main__":
    main(sys.argv[1:])
