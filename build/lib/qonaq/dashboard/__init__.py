"""The national load dashboard: current loads, arrivals per day, the most pressed settlements."""
