"""Every table model, imported in one place so Alembic sees the whole schema."""

from qonaq.aid.models import AidCommitment, AidOffer, AidRequest, AskThrottle, Volunteer
from qonaq.arrivals.models import Preregistration, PreregistrationDocument
from qonaq.audit.models import AuditEvent
from qonaq.auth.models import (
    AuthToken,
    Organisation,
    PublicFormCount,
    SignInThrottle,
    SpentChallenge,
    User,
)
from qonaq.db.base import Base
from qonaq.jobs.models import Job
from qonaq.registry.models import Household, Person, Placement, Plan, PlanAssignment
from qonaq.settlements.models import Hub, Region, Settlement, Vacancy
from qonaq.transport.models import Departure, DepartureHousehold, DepartureStop

__all__ = [
    "AidCommitment", "AidOffer", "AidRequest", "AskThrottle", "AuditEvent", "AuthToken", "Base",
    "Departure", "DepartureHousehold", "DepartureStop", "Household", "Hub", "Job", "Organisation",
    "Person", "Placement", "Plan", "PlanAssignment", "Preregistration", "PreregistrationDocument",
    "PublicFormCount", "Region", "Settlement", "SignInThrottle", "SpentChallenge", "User",
    "Vacancy", "Volunteer",
]  # fmt: skip
