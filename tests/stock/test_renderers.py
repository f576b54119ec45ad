"""The API's JSON renderer writes what REST framework's writes, faster (stock/api/renderers.py)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid
from collections import OrderedDict

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from stock.api.renderers import JSONRenderer

UTC = dt.UTC

ANSWERS = [
    {"id": 1, "name": "Amoxicilline 500 mg", "quantity": 0, "ratio": 0.30000000000000004, "score": 100.0},
    {"nested": [{"a": None, "b": True, "c": [1, 2.5, "x"]}], "empty": {}, "list": []},
    {"created_at": dt.datetime(2026, 12, 6, 13, 5, 7, 123456, tzinfo=UTC), "day": dt.date(2026, 12, 6)},
    {"local": dt.datetime(2026, 12, 6, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))), "at": dt.time(8, 30)},
    {"amount": decimal.Decimal("12.50"), "key": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"label": gettext_lazy("En rupture"), "arabic": "نفاد المخزون", "accents": "Établissement de santé"},
    {"separators": "line\u2028paragraph\u2029end", "quote": 'a "quoted" \\ back', "control": "tab\tnew\nline"},
    {1: "integer key", "big": 2**62, "negative": -17},
    ReturnDict({"results": ReturnList([OrderedDict(a=1)], serializer=None)}, serializer=None),
    [1, 2, 3],
    "plain text",
]


@pytest.mark.parametrize("data", ANSWERS)
def test_the_bytes_are_those_of_rest_frameworks_renderer(data):
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)


def test_line_and_paragraph_separators_stay_escaped():
    rendered = JSONRenderer().render({"text": "a\u2028b\u2029c"})
    assert rendered == b'{"text":"a\\u2028b\\u2029c"}'
    assert json.loads(rendered) == {"text": "a\u2028b\u2029c"}


def test_small_floats_are_the_same_numbers_in_other_digits():
    values = [1e-05, 1e-07, 2.5e-4, 1e16, 1.2345678901234567e22]
    assert json.loads(JSONRenderer().render(values)) == values


def test_a_float_that_is_not_a_number_is_null_instead_of_a_server_error():
    with pytest.raises(ValueError, match="not JSON compliant"):
        renderers.JSONRenderer().render({"p": math.nan})
    assert JSONRenderer().render({"p": math.nan, "q": math.inf}) == b'{"p":null,"q":null}'


def test_an_integer_beyond_64_bits_goes_through_the_standard_renderer():
    assert JSONRenderer().render({"n": 2**70}) == b'{"n":1180591620717411303424}'


def test_an_indented_answer_is_rest_frameworks():
    data = {"a": [1, {"b": "é"}]}
    media_type = "application/json; indent=2"
    assert JSONRenderer().render(data, media_type) == renderers.JSONRenderer().render(data, media_type)
    assert b"\n  " in JSONRenderer().render(data, media_type)


def test_nothing_renders_as_no_bytes():
    assert JSONRenderer().render(None) == b""


def test_the_api_answers_through_it(api_client_for, personas):
    """A list of the API is written by this renderer, and reads back as JSON."""
    response = api_client_for(personas.analyst).get("/api/v1/medicines/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, JSONRenderer)
    assert json.loads(response.content)["results"] is not None
