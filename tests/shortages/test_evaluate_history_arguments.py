"""``manage.py evaluate_history`` refuses wrong arguments before it makes a scratch database and loads."""

import io

import pytest
from django.core.management import CommandError, call_command

from shortages.management.commands import evaluate_history


@pytest.fixture
def no_scratch(monkeypatch):
    """Fails the test if the command goes as far as making its scratch database."""

    def refuse(self, options):
        raise AssertionError("the scratch database was made")

    monkeypatch.setattr(evaluate_history.Command, "_in_scratch", refuse)


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("year,month,site_code\n2024,1,S1\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mapping": "lmis_civ"}, "Unknown mapping 'lmis_civ'"),
        ({"first": "2018/01"}, "--from: a month YYYY-MM, not '2018/01'"),
        ({"predictions": "no-such-folder/predictions.csv"}, "predictions: no such folder: "),
    ],
)
def test_a_wrong_argument_is_refused_before_any_load(no_scratch, export, tmp_path, options, message):
    if "predictions" in options:
        options = {"predictions": str(tmp_path / options["predictions"])}
    with pytest.raises(CommandError, match=message):
        call_command("evaluate_history", str(export), stdout=io.StringIO(), **options)
