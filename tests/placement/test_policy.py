"""Policies: TOML by name, validated with clear errors; caps and eligibility filters."""

from pathlib import Path

import pytest

from qonaq.errors import InputFileError
from qonaq.placement.model import build_problem
from qonaq.placement.policy import DEFAULT_POLICY, load_policy, parse_policy
from tests.placement.factories import household, settlement

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_default_file_is_the_default_policy() -> None:
    assert load_policy(POLICIES / "default.toml") == DEFAULT_POLICY
    assert load_policy(None) == DEFAULT_POLICY


def test_protect_megacities_caps_and_filters() -> None:
    policy = load_policy(POLICIES / "protect-megacities.toml")
    places = [
        settlement("big", kind="republic_city", population=1_000_000, cap_persons=50_000),
        settlement("small", kind="village", population=1_999),
        settlement("ok", kind="village", population=2_000),
    ]
    problem = build_problem(places, [household("h")], [], policy)
    assert problem.capacity[0, 0] == 2_000  # 0.2 % of 1,000,000
    assert problem.eligible.tolist() == [True, False, True]


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("circuity = 0.5", "circuity"),
        ("unknown_knob = 1", "unknown_knob"),
        ("[congestion]\nbreaks = [0.8, 0.5, 1.0]\ncosts = [0, 300, 1200]", "congestion"),
        ("[max_share_of_population]\nmetropolis = 0.1", "max_share_of_population.metropolis.[key]"),
        ("[eligibility]\nmin_population = -3", "eligibility.min_population"),
    ],
)
def test_bad_policies_name_the_key(text: str, column: str) -> None:
    with pytest.raises(InputFileError) as caught:
        parse_policy("policy.toml", text)
    assert any(error.column == column for error in caught.value.errors)


def test_not_toml_is_a_clear_error() -> None:
    with pytest.raises(InputFileError, match="not valid TOML"):
        parse_policy("policy.toml", "circuity = = 2")


def test_closed_ids_and_excluded_kinds() -> None:
    policy = parse_policy("p", '[eligibility]\nclosed_ids = ["a"]\nexcluded_kinds = ["town"]')
    places = [
        settlement("a", kind="village"),
        settlement("b", kind="town"),
        settlement("c", kind="village"),
        settlement("d", kind="village", open=False),
    ]
    assert build_problem(places, [], [], policy).eligible.tolist() == [False, False, True, False]
