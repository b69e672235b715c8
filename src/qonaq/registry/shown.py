"""The options a desk was shown, signed, so a confirmation counts as recommended against
what the registrar saw, not against a later moment's loads."""

import hmac
from collections.abc import Sequence

from qonaq.db.crypto import current_keyring
from qonaq.errors import Invalid
from qonaq.i18n import N_


def shown_token(household_id: int, settlement_ids: Sequence[str]) -> str:
    """The options shown to a desk for one household, signed with the hashing key."""
    ids = ",".join(settlement_ids)
    return f"{ids}|{current_keyring().digest('shown-options', f'{household_id}|{ids}')}"


def shown_settlements(household_id: int, token: str) -> list[str]:
    """The settlements of a token from `shown_token`; Invalid when it was not made for this
    household by this server."""
    ids, _, signature = token.rpartition("|")
    expected = current_keyring().digest("shown-options", f"{household_id}|{ids}")
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise Invalid(N_("the options shown cannot be checked: open the household's page again"))
    return ids.split(",") if ids else []
