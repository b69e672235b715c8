"""Every table model, imported in one place so Alembic sees the whole schema."""

from qonaq.audit.models import AuditEvent
from qonaq.auth.models import AuthToken, SignInThrottle, User
from qonaq.db.base import Base
from qonaq.jobs.models import Job
from qonaq.registry.models import Household, Person, Placement, Plan, PlanAssignment
from qonaq.settlements.models import Hub, Region, Settlement, Vacancy
from qonaq.transport.models import Departure, DepartureHousehold, DepartureStop

__all__ = [
    "AuditEvent", "AuthToken", "Base", "Departure", "DepartureHousehold", "DepartureStop",
    "Household", "Hub", "Job", "Person", "Placement", "Plan",
    "PlanAssignment", "Region", "Settlement", "SignInThrottle", "User", "Vacancy",
]  # fmt: skip
