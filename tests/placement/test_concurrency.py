"""Plans made at once from several threads, as two coordinators re-planning together do."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# three threads evaluate the ascent's compiled kernels at once and must agree
CONCURRENT_EVALUATIONS = textwrap.dedent(
    """
    import threading
    import numpy as np
    from qonaq.placement.ascent import class_rows, dual_layout, near_discounts, smoothed_dual
    from qonaq.placement.model import build_problem
    from qonaq.placement.policy import DEFAULT_POLICY
    from qonaq.placement.pricing import pricing_context
    from qonaq.placement.household_types import household_types
    from tests.placement.factories import random_instance

    places, arrivals, jobs = random_instance(3, settlements=60, households=4000, tight=True)
    problem = build_problem(places, arrivals, jobs, DEFAULT_POLICY)
    ctx = pricing_context(problem, household_types(problem))
    layout, rows = dual_layout(ctx), class_rows(ctx)
    x = np.zeros(3 * layout.settlements + len(layout.hiring_s))
    prices = layout.prices(x, problem.vacancies.shape[1])
    near = near_discounts(ctx, rows, layout, prices, np.inf)
    values = []

    def evaluate():
        for _ in range(100):
            values.append(smoothed_dual(ctx, layout, rows, near, x, 0.5)[0])

    threads = [threading.Thread(target=evaluate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(len(values), len(set(values)))
    """
)


def test_the_ascent_kernels_survive_plans_from_several_threads_at_once() -> None:
    # numba's workqueue layer, its fallback without OpenMP, aborts the whole process on
    # two parallel launches at once: run there, in a process of its own
    root = Path(__file__).resolve().parents[2]
    environment = {
        **os.environ,
        "NUMBA_THREADING_LAYER": "workqueue",
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", CONCURRENT_EVALUATIONS],
        capture_output=True,
        text=True,
        env=environment,
        cwd=root,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["300", "1"]
