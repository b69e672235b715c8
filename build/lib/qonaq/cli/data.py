"""`qonaq data`: regenerate the shipped data files (owned by the gazetteer work)."""

from pathlib import Path

import typer

from qonaq.cli.common import fail

app = typer.Typer(help="Regenerate the shipped data files.", no_args_is_help=True)


@app.command(name="build-gazetteer")
def build_gazetteer(
    out: Path | None = typer.Option(
        None, "--out", help="Directory to write into (default: the package's geo/data)."
    ),
) -> None:
    """Rebuild settlements, regions, hubs and region outlines from GeoNames and OCHA/HDX."""
    from qonaq.geo import build

    out_dir = out if out is not None else build.DATA_DIR
    try:
        counts = build.build_gazetteer(out_dir)
    except build.BuildExtrasMissing as exc:
        raise fail(str(exc)) from None
    except ValueError as exc:
        raise fail(f"gazetteer build stopped: {exc}") from None
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.settlements_by_kind.items()))
    typer.echo(
        f"wrote {out_dir}: {sum(counts.settlements_by_kind.values())} settlements ({kinds}), "
        f"{counts.regions} regions, {counts.hubs} hubs, "
        f"regions.geojson {counts.geojson_bytes // 1024} KB"
    )
