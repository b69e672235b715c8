"""`make demo`: set up the embedded database, load Kazakhstan, and run the main job."""

from rich.console import Console
from rich.table import Table

from qonaq.config import get_settings
from qonaq.db import migrate
from qonaq.db.session import make_engine, transaction
from qonaq.settlements.seed import seed_kz
from qonaq.settlements.service import RegionCapacity, capacity_by_region


def capacity_table(rows: list[RegionCapacity]) -> Table:
    """Settlements and (estimated) capacity per region, with a total row."""
    table = Table(
        title="Kazakhstan: settlements and capacity per region (estimates until declared)"
    )
    for column in ("region", "settlements", "population", "beds", "school places", "medical"):
        table.add_column(column, justify="left" if column == "region" else "right")
    for row in rows:
        table.add_row(
            row.region.name, str(row.settlements), f"{row.population:,}",
            f"{row.cap_persons:,}", f"{row.cap_children:,}", f"{row.cap_medical:,}",
        )  # fmt: skip
    table.add_section()
    table.add_row(
        "total", str(sum(r.settlements for r in rows)), f"{sum(r.population for r in rows):,}",
        f"{sum(r.cap_persons for r in rows):,}", f"{sum(r.cap_children for r in rows):,}",
        f"{sum(r.cap_medical for r in rows):,}",
    )  # fmt: skip
    return table


def main() -> None:
    """Create or migrate the SQLite database, seed the gazetteer, print the capacity table."""
    console = Console()
    url = get_settings().resolved_database_url()
    console.print(f"database: {url}")
    migrate.upgrade(url)
    engine = make_engine(url)
    with transaction(engine) as db_session:
        result = seed_kz(db_session=db_session)
        console.print(f"gazetteer loaded: {result.created} new, {result.updated} updated")
        console.print(capacity_table(capacity_by_region(db_session=db_session)))


if __name__ == "__main__":
    main()
