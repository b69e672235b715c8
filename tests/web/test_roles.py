"""Every route declares who may call it, and the whole role × route matrix holds."""

import re
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from tests.aid.factories import verify_volunteer
from tests.web.conftest import ROLES, Site

# routes anyone may call: signing in, checking a letter's QR code, the arrivals' pages
PUBLIC = {
    ("GET", "/"),
    ("GET", "/pre-register"),
    ("POST", "/pre-register"),
    ("GET", "/status"),
    ("POST", "/status"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/verify/{placement_id}"),
    ("GET", "/vendor/plotly.min.js"),
    ("GET", "/help/ask"),
    ("POST", "/help/ask"),
    ("GET", "/help/ask/sent"),
    ("GET", "/help/volunteer"),
    ("POST", "/help/volunteer"),
}
PATH_VALUES = {
    "settlement_id": "small", "household_id": "1", "placement_id": "1", "person_id": "1",
    "plan_id": "1", "preregistration_id": "1", "other_id": "1", "request_id": "1",
    "offer_id": "1", "commitment_id": "1", "user_id": "1", "job_id": "1", "departure_id": "1",
    "what": "loads", "file_format": "csv",
}  # fmt: skip


def allowed_roles(dependant: Dependant) -> frozenset[str] | None:
    """The roles a route's dependencies admit; None when the route checks no role."""
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "roles", None)
        if roles is not None:
            return frozenset(roles)
        found = allowed_roles(sub)
        if found is not None:
            return found
    return None


def signed_in_only(dependant: Dependant) -> bool:
    """True when the route needs a signed-in user of any role."""
    return any(
        getattr(sub.call, "__name__", "") == "current_user" or signed_in_only(sub)
        for sub in dependant.dependencies
    )


def _api_routes(entries: list[Any], prefix: str = "") -> list[tuple[str, APIRoute]]:
    """Every APIRoute with its full path; FastAPI 0.165 keeps an included router as one
    entry holding the router and its prefix."""
    found: list[tuple[str, APIRoute]] = []
    for entry in entries:
        if isinstance(entry, APIRoute):
            found.append((prefix + entry.path, entry))
        elif hasattr(entry, "original_router"):
            found += _api_routes(
                entry.original_router.routes, prefix + entry.include_context.prefix
            )
    return found


def routes(site: Site) -> list[tuple[str, str, APIRoute]]:
    app: Any = site.client.app
    found = []
    for path, route in _api_routes(app.routes):
        if path not in ("/docs", "/api/v1/openapi.json"):
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, path, route))
    return found


def test_every_route_declares_who_may_call_it(sqlite_site: Site) -> None:
    undeclared = [
        (m, p)
        for m, p, r in routes(sqlite_site)
        if (m, p) not in PUBLIC
        and allowed_roles(r.dependant) is None
        and not signed_in_only(r.dependant)
    ]
    assert undeclared == []


def test_role_by_route_matrix(sqlite_site: Site) -> None:
    # a verified volunteer: an unverified one is refused by a rule of aid, not by the role
    verify_volunteer(sqlite_site.engine, area="small")
    failures = []
    for method, path, route in routes(sqlite_site):
        if (method, path) in PUBLIC:
            continue
        allowed = allowed_roles(route.dependant)
        url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
        anonymous = sqlite_site.client.request(method, url, follow_redirects=False)
        if anonymous.status_code not in (401, 303):
            failures.append(f"{method} {path} anonymous -> {anonymous.status_code}")
        for role in ROLES:
            response = sqlite_site.client.request(
                method, url, headers=sqlite_site.auth(role), json={}, follow_redirects=False
            )
            may = allowed is None or role in allowed
            if may and response.status_code in (401, 403):
                failures.append(f"{method} {path} {role} refused with {response.status_code}")
            if not may and response.status_code != 403:
                failures.append(f"{method} {path} {role} let through with {response.status_code}")
            if response.status_code >= 500:
                failures.append(f"{method} {path} {role} -> {response.status_code}")
    assert failures == [], "\n".join(failures)
