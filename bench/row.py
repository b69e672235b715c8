"""One row of the batch-plan table, without the rest of the bench: `qonaq place` end to end
on one wave, in a fresh process, with its CPU seconds and the load average.

`python -m bench.row scattered 1000000` (or `hubs`; `--settlements 7000` over a synthetic
country of that many settlements instead of the gazetteer); `--files DIR` keeps the wave's input
files there and reuses them on the next run (a million scattered households take a minute
to generate). Printed, never asserted.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.__main__ import PLACE_SCRIPT
from bench.files import write_instance
from bench.instances import HUB_WAVE, SCATTERED_WAVE, national_instance

SHAPES = {"hubs": HUB_WAVE, "scattered": SCATTERED_WAVE}
INPUTS = ("settlements", "households", "vacancies")


def wave_files(
    shape: str, persons: int, folder: Path, settlements: int | None = None
) -> dict[str, Path]:
    """The wave's three input files in `folder`, written unless already there."""
    paths = {name: folder / f"{name}.csv" for name in INPUTS}
    if all(path.exists() for path in paths.values()):
        return paths
    wave = national_instance(persons, settlements=settlements, shape=SHAPES[shape])
    return write_instance(wave, folder)


def run_place(paths: dict[str, Path], out: Path) -> dict[str, float]:
    """`qonaq place` in a child process: wall and CPU seconds, peak memory, its summary."""
    before = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", PLACE_SCRIPT, *(str(paths[name]) for name in INPUTS), str(out)]
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"qonaq place exited with {os.waitstatus_to_exitcode(status)}")
    summary = json.loads((out / "summary.json").read_text())
    return {
        "wall": wall,
        "solve": summary["solve_seconds"],
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_gb": usage.ru_maxrss / 2**20,
        "gap": summary["gap"],
        "objective": summary["objective"],
        "bound": summary["lower_bound"],
        "unplaced": summary["unplaced_households"],
        "load_before": before,
        "load_after": os.getloadavg()[0],
    }


def main() -> None:
    """Print one row: wall, solve and CPU seconds, peak GB, gap, objective, bound, load."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shape", choices=sorted(SHAPES))
    parser.add_argument("persons", type=int)
    parser.add_argument("--files", type=Path, help="keep (and reuse) the input files here")
    parser.add_argument(
        "--settlements", type=int, help="a synthetic country of this many settlements"
    )
    args = parser.parse_args()
    country = f"-{args.settlements}" if args.settlements else ""
    folder = args.files or Path(f"/tmp/qonaq-bench-{args.shape}-{args.persons}{country}")
    paths = wave_files(args.shape, args.persons, folder, args.settlements)
    result = run_place(paths, folder / "out")
    print(
        f"{args.shape} {args.persons:,}: wall {result['wall']:.1f} s, "
        f"solve {result['solve']:.1f} s, "
        f"CPU {result['cpu']:.1f} s, peak {result['peak_gb']:.2f} GB, gap {result['gap']:.2%} "
        f"(objective {result['objective']:,.0f}, bound {result['bound']:,.0f}), "
        f"unplaced {result['unplaced']:,}, load {result['load_before']:.1f} → "
        f"{result['load_after']:.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
