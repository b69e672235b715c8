"""Qonaq: register, place and move a mass influx of people across a country's settlements."""

__version__ = "0.1.0"
