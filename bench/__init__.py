"""Benchmarks of the placement engine: `make bench` prints the table, nothing is asserted."""
