"""The coordinator's downloads: CSV and XLSX files named for the day, never cached, audited,
with no personal data; other roles get the refusal page in their language."""

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from qonaq.audit.models import AuditEvent
from qonaq.db.session import transaction
from qonaq.exchange.exports import EXPORTS
from tests.exchange.sheets import workbook_rows
from tests.web.conftest import Site
from tests.web.test_refusals import _placed, session_client


def test_the_dashboard_offers_the_downloads(sqlite_site: Site) -> None:
    client, _csrf = session_client(sqlite_site, "coordinator")
    page = client.get("/coordinator/dashboard?lang=ru")
    assert page.status_code == 200 and "Выгрузки" in page.text
    for what in EXPORTS:
        for kind in ("csv", "xlsx"):
            assert f'href="/coordinator/exports/{what}.{kind}"' in page.text


@pytest.mark.parametrize("what", list(EXPORTS))
def test_csv_and_xlsx_downloads_are_named_uncached_and_audited(site: Site, what: str) -> None:
    _placed(site, "oral", "100000001")
    client, _csrf = session_client(site, "coordinator")
    day = datetime.now(UTC).date().isoformat()
    for kind in ("csv", "xlsx"):
        response = client.get(f"/coordinator/exports/{what}.{kind}")
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"] == (
            f'attachment; filename="qonaq-{what}-{day}.{kind}"'
        )
        assert response.headers["cache-control"] == "no-store"
        if kind == "csv":
            assert response.headers["content-type"] == "text/csv; charset=utf-8"
            rows = [tuple(r) for r in csv.reader(io.StringIO(response.text))]
        else:
            rows = [tuple(map(str, r)) for r in workbook_rows(response.content)]
        assert rows[0] == EXPORTS[what].columns
        assert len(rows) == (4 if what == "loads" else 2)  # the header and one row each
    with transaction(site.engine, writes=False) as db_session:
        logged = db_session.execute(
            select(AuditEvent.actor_label, AuditEvent.object_id, AuditEvent.after).where(
                AuditEvent.action == "data.export"
            )
        ).all()
    assert [(a, o, after["format"]) for a, o, after in logged] == [
        ("coordinator", what, "csv"),
        ("coordinator", what, "xlsx"),
    ]


def test_placements_download_carries_no_names_or_documents(sqlite_site: Site) -> None:
    _placed(sqlite_site, "oral", "100000009")
    client, _csrf = session_client(sqlite_site, "coordinator")
    text = client.get("/coordinator/exports/placements.csv").text
    cells = workbook_rows(client.get("/coordinator/exports/placements.xlsx").content)
    for found in (text, repr(cells)):
        assert "Aigerim" not in found and "100000009" not in found
    assert "oral" in text


@pytest.mark.parametrize("role", ["registrar", "host", "volunteer"])
def test_other_roles_get_the_refusal_page_in_their_language(sqlite_site: Site, role: str) -> None:
    client, _csrf = session_client(sqlite_site, role)
    response = client.get("/coordinator/exports/loads.csv?lang=ru")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Вашей роли это действие не разрешено." in response.text
    with transaction(sqlite_site.engine, writes=False) as db_session:
        assert (
            db_session.scalar(select(AuditEvent).where(AuditEvent.action == "data.export")) is None
        )


def test_an_unknown_export_or_format_is_not_a_500(sqlite_site: Site) -> None:
    client, _csrf = session_client(sqlite_site, "coordinator")
    for path in ("/coordinator/exports/people.csv", "/coordinator/exports/loads.pdf"):
        assert client.get(path).status_code in (404, 422)


def test_signed_out_is_sent_to_sign_in(sqlite_site: Site) -> None:
    response = sqlite_site.client.get("/coordinator/exports/loads.csv", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
