"""Fuzzing the readers of users' files: any bytes give a valid object or an InputFileError.

Policies and scenarios get arbitrary text, arbitrary TOML-ish structures (inf, nan, huge
numbers, wrong types, unknown keys, nesting) and single-value mutations of a valid file;
settlements, households and vacancies files get arbitrary text and rows of hostile cells.
A valid object must hold only finite numbers, and the fast households reader may only
accept what the row-by-row validation accepts.
"""

import copy
import csv
import io
import json
import math
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from qonaq.cli.place_files import (
    HOUSEHOLD_COLUMNS,
    VACANCY_COLUMNS,
    parse_households,
    parse_vacancies,
)
from qonaq.csvinput import read_rows, validate_rows
from qonaq.errors import InputFileError
from qonaq.geo.settlements_file import SETTLEMENT_COLUMNS, parse_settlements, read_settlements
from qonaq.placement.model import HouseholdRecord, HouseholdTable
from qonaq.placement.policy import DEFAULT_POLICY, load_policy, parse_policy
from qonaq.simulation.scenario import load_scenario, parse_scenario
from qonaq.tomlinput import MAX_INTEGER

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SETTLEMENT_IDS = {"oral", "aktobe", "astana"}
SCENARIO = """\
name = "fuzz"
start_date = 2022-09-21
seed = 7
settle_days = 5
[arrivals]
daily = [100, 200]
stay_share = 0.5
leave_after_days = [1, 3]
hubs = { syrym = 0.5, ala = 0.5 }
[households]
size_weights = [0.5, 0.3, 0.2]
child_share = 0.3
medical_share = 0.05
[registration]
psc_daily = { oral = 500 }
[transport]
km_per_day = 700.0
[free]
alpha = 1.0
beta = 1.0
hotspot_share = 0.6
[metrics]
hotspots = ["oral"]
"""

# ---------------------------------------------------------------- what a reader may do


def outcome(read: Callable[[], object]) -> object | None:
    """The object `read` returns, or None when it refuses with the project's own error;
    any other exception fails the test."""
    try:
        return read()
    except InputFileError as exc:
        assert exc.errors, "an InputFileError names at least one problem"
        assert "\n" not in str(exc.errors[0]), "each problem is one line"
        return None


def finite_numbers(value: object) -> bool:
    """Whether every number in a model dump is finite and fits int64."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):
        return abs(value) <= MAX_INTEGER
    if isinstance(value, dict):
        return all(finite_numbers(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(finite_numbers(v) for v in value)
    return True


def assert_valid(result: object) -> None:
    if result is not None:
        assert isinstance(result, BaseModel)
        assert finite_numbers(result.model_dump())


# ---------------------------------------------------------------- TOML strategies

extreme_floats = st.sampled_from(
    [math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e7, 1e7 + 1, -0.0]
)
extreme_ints = st.sampled_from([2**63, -(2**63) - 1, 10**30, 2**63 - 1, -1, 0])
leaves = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    extreme_ints,
    st.floats(allow_nan=True, allow_infinity=True),
    extreme_floats,
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12),
    st.dates(),
)
KNOWN_KEYS = [
    "name", "circuity", "congestion", "breaks", "costs", "employment_reward",
    "preference_rewards", "unplaced_penalty", "max_share_of_population", "eligibility",
    "min_population", "excluded_kinds", "closed_ids", "min_population_by_kind", "village",
    "republic_city", "start_date", "seed", "settle_days", "arrivals", "daily", "stay_share",
    "leave_after_days", "hubs", "households", "size_weights", "child_share", "medical_share",
    "registration", "psc_daily", "transport", "km_per_day", "free", "alpha", "beta",
    "hotspot_share", "metrics", "hotspots",
]  # fmt: skip
keys = st.sampled_from(KNOWN_KEYS) | st.text(min_size=1, max_size=8)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=25,
)
documents = st.dictionaries(keys, values, max_size=8)
# what a hand-edited file gets wrong most: numbers out of range, wrong types, empty arrays
hostile_values = st.one_of(
    extreme_floats,
    extreme_ints,
    # copies: a value drawn twice must not become a container inside itself
    st.sampled_from([True, "1.5", "", [], {}, [math.inf], {"a": math.nan}]).map(copy.deepcopy),
    values,
)
# fragments that stress the parser itself: brackets, numbers beyond double, odd keys
fragments = st.lists(
    st.sampled_from(
        ["[", "]", "{", "}", "=", " = ", ",", ".", "\n", '"', "'", "a", "circuity", "inf",
         "-inf", "nan", "1e400", "9" * 30, "0x7f", "1_000", "true", "2022-01-01", "#", "[[",
         "]]", "\\u0000", "\x00", "\ufeff"]
    ),
    max_size=40,
).map("".join)  # fmt: skip


def toml_key(key: str) -> str:
    return json.dumps(key)


def toml_value(value: object) -> str:
    """`value` written as TOML, inf and nan included (json escapes are valid TOML escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(type(value))


def toml_document(document: dict[str, object]) -> str:
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in document.items())


def leaf_paths(value: object, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in leaf_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in leaf_paths(v, (*path, i))]
    return [path]


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """`base` with one to three leaves replaced by hostile values (or unknown keys added)."""
    document = json.loads(json.dumps(base, default=str))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(leaf_paths(document)))
        target = document
        for part in path[:-1]:
            target = target[part]
        if draw(st.booleans()):
            target[path[-1]] = draw(hostile_values)
        elif isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=8))] = draw(leaves)
    return document


POLICY_DICT = json.loads(DEFAULT_POLICY.model_dump_json())
POLICY_DICT["max_share_of_population"] = {"republic_city": 0.002}
POLICY_DICT["eligibility"]["min_population_by_kind"] = {"village": 2000}
SCENARIO_DICT = json.loads(parse_scenario("fuzz", SCENARIO).model_dump_json())

# ---------------------------------------------------------------- policies and scenarios


@FUZZ
@given(text=st.text() | fragments)
def test_any_text_is_a_policy_or_an_input_error(text: str) -> None:
    assert_valid(outcome(lambda: parse_policy("p.toml", text)))
    assert_valid(outcome(lambda: parse_scenario("s.toml", text)))


@FUZZ
@given(document=documents)
def test_any_toml_structure_is_a_policy_or_an_input_error(document: dict[str, object]) -> None:
    text = toml_document(document)
    assert_valid(outcome(lambda: parse_policy("p.toml", text)))
    assert_valid(outcome(lambda: parse_scenario("s.toml", text)))


@FUZZ
@given(document=mutated(POLICY_DICT))
def test_a_mutated_policy_is_valid_or_an_input_error(document: dict[str, object]) -> None:
    assert_valid(outcome(lambda: parse_policy("p.toml", toml_document(document))))


@FUZZ
@given(document=mutated(SCENARIO_DICT))
def test_a_mutated_scenario_is_valid_or_an_input_error(document: dict[str, object]) -> None:
    assert_valid(outcome(lambda: parse_scenario("s.toml", toml_document(document))))


@FUZZ
@given(data=st.binary(max_size=300) | fragments.map(lambda t: t.encode("utf-8", "replace")))
def test_any_bytes_on_disk_are_a_policy_or_an_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.toml"
        path.write_bytes(data)
        assert_valid(outcome(lambda: load_policy(path)))
        assert_valid(outcome(lambda: load_scenario(str(path))))


# ---------------------------------------------------------------- CSV strategies

hostile_cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", " ", "inf", "-inf", "nan", "NaN", "1e400", "-1e400", "9" * 25, "-" + "9" * 25,
         "1e3", "0x10", "1_000", "3.0", "-0", "true", "false", "yes", "\x00", "a\x00b", "\t",
         "a\nb", "a\rb", '"', '""', "=1+1", "@SUM(A1)", "-3.5", "\x85", "\ufeff", "oral",
         "astana;oral", "it;it;driver", "village", "town", "republic_city", "estimate"]
    ),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)  # fmt: skip


def valid_cells(columns: tuple[str, ...], row: int) -> list[str]:
    """A valid row of each of the three files, as a start for mutation."""
    sample = {
        "id": f"r{row}", "name": "Oral", "region": "West", "lat": "51.2", "lon": "51.4",
        "population": "350000", "kind": "town", "open": "1", "cap_persons": "40",
        "cap_children": "10", "cap_medical": "4", "load_persons": "3", "load_children": "1",
        "load_medical": "0", "size": "3", "children": "1", "medical": "0",
        "origin_lat": "51.2", "origin_lon": "51.4", "occupations": "it;driver",
        "preferences": "oral;astana", "settlement_id": "oral", "occupation": "it",
        "vacancies": "2",
    }  # fmt: skip
    return [sample[c] for c in columns]


@st.composite
def csv_texts(draw: st.DrawFn, columns: tuple[str, ...]) -> str:
    """A CSV text of `columns` (sometimes one dropped) whose valid rows get hostile cells,
    written quoted by the csv module or joined raw with commas."""
    header = list(columns)
    if draw(st.integers(0, 9)) == 0:
        header.remove(draw(st.sampled_from(header)))
    rows = []
    for number in range(draw(st.integers(0, 4))):
        cells = valid_cells(tuple(header), number)
        for _ in range(draw(st.integers(0, 3))):
            cells[draw(st.integers(0, len(cells) - 1))] = draw(hostile_cells)
        rows.append(cells)
    if draw(st.booleans()):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(
            [header, *rows]
        )
        return buffer.getvalue()
    return "\n".join(",".join(cells) for cells in [header, *rows]) + "\n"


# ---------------------------------------------------------------- CSV importers


def assert_records(result: object) -> None:
    if result is not None:
        for record in result:  # type: ignore[attr-defined]
            assert finite_numbers(record.model_dump())


@FUZZ
@given(text=st.text(max_size=400) | csv_texts(SETTLEMENT_COLUMNS))
def test_any_settlements_text_is_records_or_an_input_error(text: str) -> None:
    result = outcome(lambda: parse_settlements("settlements.csv", text))
    assert_records(result)
    for record in result or []:  # type: ignore[attr-defined]
        assert record.load_persons <= record.cap_persons


@FUZZ
@given(text=st.text(max_size=400) | csv_texts(VACANCY_COLUMNS))
def test_any_vacancies_text_is_records_or_an_input_error(text: str) -> None:
    assert_records(outcome(lambda: parse_vacancies("vacancies.csv", SETTLEMENT_IDS, text)))


@FUZZ
@given(text=st.text(max_size=400) | csv_texts(HOUSEHOLD_COLUMNS))
def test_any_households_text_is_records_or_an_input_error(text: str) -> None:
    result = outcome(lambda: parse_households("households.csv", SETTLEMENT_IDS, text))
    if isinstance(result, HouseholdTable):
        # the fast column-wise reader answered: the row-by-row validation must agree
        header, rows = read_rows("households.csv", text)
        slow = outcome(
            lambda: validate_rows("h.csv", header, rows, HouseholdRecord, HOUSEHOLD_COLUMNS)
        )
        assert slow is not None, "the fast reader took a file the row-by-row one refuses"
        assert [r.id for r in slow] == list(result.ids)  # type: ignore[attr-defined]
        assert finite_numbers(result.origin_lat.tolist() + result.origin_lon.tolist())
    else:
        assert_records(result)


@FUZZ
@given(data=st.binary(max_size=300) | csv_texts(SETTLEMENT_COLUMNS).map(str.encode))
def test_any_bytes_on_disk_are_settlements_or_an_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "settlements.csv"
        path.write_bytes(data)
        assert_records(outcome(lambda: read_settlements(path)))
        assert_records(outcome(lambda: parse_households(str(path), SETTLEMENT_IDS)))
