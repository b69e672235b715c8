"""Data in and out: vacancies and capacities from spreadsheets, exports for ministries."""
