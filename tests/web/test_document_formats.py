"""Document numbers in the formats people carry: accepted as issued, and when mistyped the
registrar is told which format was expected, in the page's language."""

import re

import pytest
from pydantic import ValidationError

from qonaq.i18n import gettext
from tests.registry.factories import person
from tests.web.conftest import Site
from tests.web.test_pages import FORM, signed_in

ACCEPTED = [
    ("RUS", "passport", "45 06 123456"),  # internal passport: series and number
    ("RUS", "passport", "4506123456"),
    ("RUS", "passport", "75 1234567"),  # foreign passport
    ("RUS", "birth_certificate", "III-МЮ 123456"),
    ("RUS", "birth_certificate", "iv-мю 123456"),
    ("RUS", "birth_certificate", "II-AB 000001"),  # Latin look-alikes typed on a Latin keyboard
    ("KAZ", "id_card", "012345678"),
    ("KAZ", "passport", "N12345678"),
    ("UZB", "passport", "AA1234567"),
    ("RUS", "other", "Справка № 17-Б"),
]
REFUSED = [
    ("RUS", "passport", "45 06 12345", "45 06 123456"),
    ("RUS", "passport", "KZ-7531902", "75 1234567"),
    ("RUS", "birth_certificate", "МЮ 123456", "III-МЮ 123456"),
    ("RUS", "birth_certificate", "III-МЮ 12345", "III-МЮ 123456"),
    ("KAZ", "id_card", "N1000001", "9 digits"),
    ("RUS", "other", "12/34", "letters, digits"),
]


@pytest.mark.parametrize(("citizenship", "kind", "number"), ACCEPTED)
def test_real_document_formats_are_accepted(citizenship: str, kind: str, number: str) -> None:
    member = person(citizenship=citizenship, document_type=kind, document_number=number)
    assert member.document_number == number


@pytest.mark.parametrize(("citizenship", "kind", "number", "expected"), REFUSED)
def test_a_mistyped_number_names_the_expected_format(
    citizenship: str, kind: str, number: str, expected: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(expected)):
        person(citizenship=citizenship, document_type=kind, document_number=number)


def test_the_desk_accepts_a_birth_certificate_and_explains_a_wrong_one(sqlite_site: Site) -> None:
    client, token = signed_in(sqlite_site, "registrar")
    real = {**FORM, "m1_document_number": "III-МЮ 123456", "csrf_token": token}
    accepted = client.post("/desk/register", data=real, follow_redirects=False)
    assert accepted.status_code == 303, accepted.text[-600:]
    wrong = {
        **FORM,
        "m0_document_number": "70 000001",
        "m1_document_number": "МЮ 7",
        "csrf_token": token,
    }
    refused = client.post("/desk/register?lang=ru", data=wrong)
    assert refused.status_code == 422
    for msgid in (
        "a Russian passport is written 45 06 123456 (internal) or 75 1234567 (foreign)",
        "a Russian birth certificate is written III-МЮ 123456",
    ):
        assert gettext("ru", msgid) != msgid and gettext("ru", msgid) in refused.text
