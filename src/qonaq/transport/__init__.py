"""Departures, vehicles and manifests: carrying placed households to their host settlements."""
