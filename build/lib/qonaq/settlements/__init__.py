"""Settlements in the database: regions, settlements with capacities and loads, hubs, vacancies."""
