"""The public forms' flood guard: posts counted per client in the database, and a hash puzzle.

The puzzle is a signed server nonce: the page's script finds a number whose SHA-256 with the
challenge starts with `bits` zero bits (hashcash), the server checks it with one hash and
accepts each challenge once. No third party is asked anything.
"""

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from qonaq.auth.models import PublicFormCount, SpentChallenge

WINDOW = timedelta(hours=1)
# a household may take a while to type its members on a phone
CHALLENGE_LIFETIME = timedelta(hours=3)


def window_start(now: datetime) -> datetime:
    """The start of the hour `now` falls in: posts are counted per clock hour."""
    return now.replace(minute=0, second=0, microsecond=0)


def count_post(
    *, db_session: Session, form: str, client_key: str, limit: int, now: datetime
) -> int | None:
    """Count one post of `form` by the client; the seconds to wait when it is over `limit`."""
    start = window_start(now)
    dialect = postgresql if db_session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(PublicFormCount).values(
        form=form, client_key=client_key, window_start=start, posts=1
    )
    # one statement, so that posts from several server processes at once all count
    posts = db_session.scalar(
        insert.on_conflict_do_update(
            index_elements=["form", "client_key", "window_start"],
            set_={"posts": PublicFormCount.posts + 1},
        ).returning(PublicFormCount.posts)
    )
    db_session.execute(delete(PublicFormCount).where(PublicFormCount.window_start < start))
    if posts is not None and posts > limit:
        return max(1, math.ceil((start + WINDOW - now).total_seconds()))
    return None


def _signature(secret: bytes, body: str) -> str:
    return hmac.new(secret, b"challenge:" + body.encode(), hashlib.sha256).hexdigest()[:32]


def issue_challenge(*, secret: bytes, bits: int, now: datetime) -> str:
    """A fresh signed challenge: issued-at, nonce, difficulty, signature, dot-separated."""
    body = f"{int(now.timestamp())}.{secrets.token_hex(16)}.{bits}"
    return f"{body}.{_signature(secret, body)}"


def leading_zero_bits(digest: bytes) -> int:
    """How many zero bits `digest` starts with."""
    count = 0
    for byte in digest:
        if byte:
            return count + 8 - byte.bit_length()
        count += 8
    return count


def solves(challenge: str, answer: str, bits: int) -> bool:
    """Whether SHA-256 of 'challenge:answer' starts with `bits` zero bits."""
    digest = hashlib.sha256(f"{challenge}:{answer}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def solve(challenge: str) -> str:
    """An answer to `challenge` (what the page's script does; for tests and scripted checks)."""
    bits = int(challenge.split(".")[2])
    answer = 0
    while not solves(challenge, str(answer), bits):
        answer += 1
    return str(answer)


def accept_answer(
    *, db_session: Session, secret: bytes, challenge: str, answer: str, now: datetime
) -> bool:
    """Whether `answer` solves a genuine, unexpired challenge not used before; spends it."""
    parts = challenge.split(".")
    if len(parts) != 4 or not answer.isdigit() or len(answer) > 12:
        return False
    issued, nonce, bits, signature = parts
    body = f"{issued}.{nonce}.{bits}"
    if not hmac.compare_digest(signature, _signature(secret, body)):
        return False
    issued_at = datetime.fromtimestamp(int(issued), tz=now.tzinfo)
    if not (issued_at <= now + timedelta(minutes=1) and now - issued_at <= CHALLENGE_LIFETIME):
        return False
    if not solves(challenge, answer, int(bits)):
        return False
    return _spend(db_session, nonce, issued_at + CHALLENGE_LIFETIME, now)


def _spend(db_session: Session, nonce: str, expires_at: datetime, now: datetime) -> bool:
    dialect = postgresql if db_session.get_bind().dialect.name == "postgresql" else sqlite
    spent = db_session.execute(
        dialect.insert(SpentChallenge)
        .values(nonce=nonce, expires_at=expires_at)
        .on_conflict_do_nothing()
    )
    db_session.execute(delete(SpentChallenge).where(SpentChallenge.expires_at < now))
    return bool(spent.rowcount == 1)  # type: ignore[attr-defined]
