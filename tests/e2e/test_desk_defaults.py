"""The registration form guesses nothing: no sex and no origin chosen until the registrar
chooses them (a guess would be registered silently), and "Add member" moves the cursor to the
new member's name."""

from typing import Any

from tests.e2e.conftest import LiveSite
from tests.e2e.test_desk import sign_in, wait_for_path


def test_nothing_is_chosen_for_the_registrar_and_add_member_moves_on(
    page: Any, live_site: LiveSite
) -> None:
    sign_in(page, live_site, "registrar")
    wait_for_path(page, "/desk")
    assert page.input_value("#origin") == ""
    assert page.input_value("[name=m0_sex]") == ""
    page.fill("[name=m0_full_name]", "Aliya Test")
    page.click("#add-member")
    assert page.evaluate("document.activeElement.name") == "m1_full_name"
    assert page.input_value("[name=m1_sex]") == ""
    # the browser refuses to send the form while they are not chosen
    assert page.evaluate("document.getElementById('register-form').checkValidity()") is False
