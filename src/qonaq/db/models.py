"""Every table model, imported in one place so Alembic sees the whole schema."""

from qonaq.audit.models import AuditEvent
from qonaq.auth.models import AuthToken, SignInThrottle, User
from qonaq.db.base import Base
from qonaq.jobs.models import Job
from qonaq.registry.models import Household, Person, Placement, Plan, PlanAssignment
from qonaq.settlements.models import Hub, Region, Settlement, Vacancy

__all__ = [
    "AuditEvent", "AuthToken", "Base", "Household", "Hub", "Job", "Person", "Placement", "Plan",
    "PlanAssignment", "Region", "Settlement", "SignInThrottle", "User", "Vacancy",
]  # fmt: skip
