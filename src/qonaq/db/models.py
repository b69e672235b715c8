"""Every table model, imported in one place so Alembic sees the whole schema."""

from qonaq.arrivals.models import Preregistration, PreregistrationDocument
from qonaq.audit.models import AuditEvent
from qonaq.auth.models import AuthToken, PublicFormCount, SignInThrottle, SpentChallenge, User
from qonaq.db.base import Base
from qonaq.registry.models import Household, Person, Placement, Plan, PlanAssignment
from qonaq.settlements.models import Hub, Region, Settlement, Vacancy

__all__ = [
    "AuditEvent", "AuthToken", "Base", "Household", "Hub", "Person", "Placement", "Plan",
    "PlanAssignment", "Preregistration", "PreregistrationDocument", "PublicFormCount", "Region",
    "Settlement", "SignInThrottle", "SpentChallenge", "User", "Vacancy",
]  # fmt: skip
