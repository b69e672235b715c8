"""Households, persons and their placements."""
