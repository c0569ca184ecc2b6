"""Query encoding: booleans, lists, filters, times."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from aiodock._check import seconds as check_timeout
from aiodock._query import encode_filters, encode_query, unix_time


def test_booleans_lists_and_none() -> None:
    assert encode_query({"all": True, "size": False, "limit": None, "n": 3}) == [
        ("all", "1"),
        ("size", "0"),
        ("n", "3"),
    ]
    assert encode_query({"type": ["image", "volume"]}) == [("type", "image"), ("type", "volume")]


def test_filters_single_string_becomes_list() -> None:
    assert json.loads(encode_filters({"label": "a=b"})) == {"label": ["a=b"]}
    assert json.loads(encode_filters({"status": ("running", "paused")})) == {
        "status": ["running", "paused"]
    }
    assert json.loads(encode_filters({"dangling": {"true": True, "false": False}})) == {
        "dangling": ["true"]
    }


@pytest.mark.parametrize(
    "bad", [{"label": 3}, {"label": [1]}, {"label": b"x"}, ["label"], {"x": {"a": "yes"}}]
)
def test_filters_of_the_wrong_shape_name_the_problem(bad: object) -> None:
    with pytest.raises(TypeError, match="filter"):
        encode_filters(bad)  # type: ignore[arg-type]


def test_unix_time() -> None:
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert unix_time(when) == "1767225600"
    assert unix_time(when.replace(tzinfo=None)) == "1767225600"
    assert unix_time(when.astimezone(timezone(timedelta(hours=2)))) == "1767225600"
    assert unix_time(12) == "12"
    assert unix_time(1.25) == "1.250000000"
    assert unix_time("10m") == "10m"
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            unix_time(bad)
    with pytest.raises(TypeError):
        unix_time(True)


def test_check_timeout() -> None:
    assert check_timeout("t", None) is None
    assert check_timeout("t", 2) == 2.0
    for bad in (-1, float("nan")):
        with pytest.raises(ValueError, match="t must be"):
            check_timeout("t", bad)
    with pytest.raises(TypeError):
        check_timeout("t", "5")
