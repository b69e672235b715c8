"""The coordinator's downloads: the exports of `qonaq export`, as CSV or XLSX files."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from qonaq.auth.models import User
from qonaq.auth.service import actor_of
from qonaq.db.session import transaction
from qonaq.exchange.exports import EXPORTS, What, export_rows, record_export
from qonaq.exchange.sheets import MEDIA_TYPES, csv_chunks, xlsx_chunks
from qonaq.web.deps import require

router = APIRouter(include_in_schema=False)
Coordinator = Annotated[User, Depends(require("coordinator"))]


@router.get("/coordinator/exports/{what}.{file_format}")
def download(
    request: Request, what: What, file_format: Literal["csv", "xlsx"], user: Coordinator
) -> StreamingResponse:
    """One export as a file download; audited before the first byte goes out."""
    engine: Engine = request.app.state.engine
    with transaction(engine) as db_session:
        record_export(
            db_session=db_session, what=what, file_format=file_format, actor=actor_of(user)
        )
    day = datetime.now(UTC).date().isoformat()
    headers = {
        "Content-Disposition": f'attachment; filename="qonaq-{what}-{day}.{file_format}"',
        "Cache-Control": "no-store",
    }
    body = _stream(engine, what, file_format)
    return StreamingResponse(body, media_type=MEDIA_TYPES[file_format], headers=headers)


def _stream(engine: Engine, what: str, file_format: str) -> Iterator[bytes]:
    # its own read-only transaction: the request's has ended when the body is sent
    with transaction(engine, writes=False) as db_session:
        rows = export_rows(db_session, what)
        columns = EXPORTS[what].columns
        if file_format == "csv":
            for text in csv_chunks(columns, rows):
                yield text.encode()
        else:
            yield from xlsx_chunks(what, columns, rows)
