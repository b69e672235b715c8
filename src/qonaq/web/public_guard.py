"""The guard of every public form (no sign-in): a rate limit per client and a hash puzzle.

A route takes `refusal: Annotated[Refusal | None, Depends(public_guard("my-form"))]`, and when
it is not None shows its own form again, with what was typed, via `refused_page`. The page's
form carries `data-challenge="{{ challenge }}"` (from `new_challenge`) and public.js solves it.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from qonaq.auth.flood import accept_answer, count_post, issue_challenge
from qonaq.config import get_settings
from qonaq.db.base import utc_now
from qonaq.db.crypto import current_keyring
from qonaq.db.session import transaction
from qonaq.i18n import N_, gettext
from qonaq.web.deps import client_address, request_language
from qonaq.web.templating import render

CHALLENGE_FIELD = "challenge"
ANSWER_FIELD = "challenge_answer"
UNSOLVED = N_("The page's check did not finish (it needs JavaScript). Send the form again.")


@dataclass(frozen=True)
class Refusal:
    """Why a public form's post is refused: a status, a translated message, a wait."""

    status: int
    message: str
    retry_after: int | None = None


def new_challenge(request: Request) -> str:
    """A challenge for a public form's page."""
    secret: bytes = request.app.state.letter_secret
    return issue_challenge(secret=secret, bits=get_settings().public_challenge_bits, now=utc_now())


def public_guard(form: str) -> Callable[[Request], Awaitable[Refusal | None]]:
    """A dependency counting the post of `form` and checking its puzzle; None when admitted."""

    async def guard(request: Request) -> Refusal | None:
        fields = await request.form()
        challenge = str(fields.get(CHALLENGE_FIELD, ""))[:200]
        answer = str(fields.get(ANSWER_FIELD, ""))[:20]
        language = request_language(request)
        now = utc_now()
        client_key = current_keyring().digest("client", client_address(request))
        # its own short transaction: the count stays even when the form is then refused
        with transaction(request.app.state.engine) as db_session:
            wait = count_post(
                db_session=db_session, form=form, client_key=client_key,
                limit=get_settings().public_posts_per_hour, now=now,
            )  # fmt: skip
            if wait is not None:
                words = gettext(
                    language, "Too many forms sent from here. Try again in %(minutes)s min."
                )
                return Refusal(429, words % {"minutes": -(-wait // 60)}, wait)
            secret: bytes = request.app.state.letter_secret
            if not accept_answer(
                db_session=db_session, secret=secret, challenge=challenge, answer=answer, now=now
            ):
                return Refusal(403, gettext(language, UNSOLVED))
        return None

    return guard


def refused_page(
    request: Request, template: str, language: str, context: dict[str, Any], refusal: Refusal
) -> Response:
    """The form's page again with what was typed, the refusal's words, status and wait."""
    page = {**context, "errors": [refusal.message], "challenge": new_challenge(request)}
    return with_retry_after(render(request, template, language, page, refusal.status), refusal)


def with_retry_after(response: Response, refusal: Refusal) -> Response:
    """The refused form's page, telling the client when to try again after a limit."""
    if refusal.retry_after is not None:
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response
