"""Gazetteer: settlements, regions and hubs of the country, with the shipped Kazakhstan data."""
