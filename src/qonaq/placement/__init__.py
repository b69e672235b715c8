"""The placement core — pure: builds the model, solves it, reads the plan back, advises desks."""

import os

# the compiled kernels' OpenMP threads (numba) sleep between loops instead of spinning: on a
# shared machine a spinning thread takes the core its partner or another process needs, and
# the dual ascent's steps took several times the CPU (docs/placement-model.md, §5); set
# before any kernel starts its threads, which is when OpenMP reads it
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
