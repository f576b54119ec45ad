"""Server-side SVG: the simplified region outlines, the risk map and the charts."""

from __future__ import annotations

import json

from shortages import charts, geo


def test_simplify_drops_points_on_a_straight_line_and_keeps_corners():
    # given
    line = [(0.0, 0.0), (1.0, 0.001), (2.0, 0.0), (2.0, 2.0)]
    # when
    simplified = geo.simplify(line, tolerance=0.01)
    # then
    assert simplified == [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0)]


def test_committed_region_paths_match_a_rebuild_from_the_boundaries():
    # given
    committed = json.loads(geo.OUTPUT_PATH.read_text(encoding="utf-8"))
    # when
    rebuilt = geo.build_region_paths()
    # then
    assert sorted(committed["regions"]) == [f"{n:02d}" for n in range(1, 13)]
    assert committed == json.loads(json.dumps(rebuilt, ensure_ascii=False))
    assert committed["attribution"] == "© OpenStreetMap contributors"
    assert geo.OUTPUT_PATH.stat().st_size < 40_000


def test_region_map_colours_regions_by_step_and_escapes_names():
    # given two measured regions and ten without positions
    shares = {"01": 0.085, "06": 0.064}
    classes = charts.share_classes(shares.values())
    # when
    svg = charts.region_map(
        shares,
        names={"01": "Tanger <b>", "06": "Casablanca-Settat"},
        classes=classes,
        urls={"06": "/regions/6/"},
        title="Carte",
        describe=lambda share: "—" if share is None else f"{share:.1%}",
    )
    # then
    assert svg.count("<path ") == 12
    assert f'fill="{charts.SHARE_COLOURS[-1]}" data-region="01"' in svg
    assert f'fill="{charts.SHARE_COLOURS[0]}" data-region="06"' in svg
    assert f'fill="{charts.NO_DATA_COLOUR}" data-region="02"' in svg
    assert 'href="/regions/6/"' in svg
    assert "Tanger &lt;b&gt; — 8.5%" in svg and "<b>" not in svg


def test_close_shares_still_get_distinct_colours():
    # given twelve regions between 6.4 and 8.5 %, which one level painted alike
    shares = [0.064, 0.066, 0.069, 0.071, 0.072, 0.074, 0.076, 0.078, 0.079, 0.081, 0.083, 0.085]
    # when
    classes = charts.share_classes(shares)
    colours = [charts.share_class_of(share, classes).colour for share in shares]
    # then: five steps from the lowest to the highest, each used, in order
    assert [round(c.low, 4) for c in classes][0] == 0.064 and round(classes[-1].high, 4) == 0.085
    assert len(set(colours)) == 5
    assert colours == sorted(colours, key=charts.SHARE_COLOURS.index)


def test_equal_shares_make_one_step_and_no_share_makes_none():
    assert len(charts.share_classes([0.05, 0.05])) == 1
    assert charts.share_classes([None, None]) == []


def test_line_chart_breaks_the_line_at_missing_months():
    # when
    svg = charts.line_chart(["a", "b", "c", "d"], [charts.Series("s", [1, None, 3, 4])], title="T <x>")
    # then
    assert svg.count("<polyline") == 1
    assert svg.count("<circle") == 1
    assert "<title>T &lt;x&gt;</title>" in svg


def test_bar_chart_of_counts_has_whole_number_ticks():
    # when
    svg = charts.bar_chart(["a", "b"], [1, 0], title="Ruptures")
    # then
    assert ">0.25<" not in svg and ">1<" in svg and ">4<" in svg


def test_line_chart_ticks_are_round_numbers_in_french_notation():
    # given a share that peaks at 2.7 %, and one that peaks below 1
    from django.utils import translation

    with translation.override("fr"):
        # when
        percent = charts.line_chart(["a", "b"], [charts.Series("s", [1.5, 2.7])], title="T", y_unit="%")
        small = charts.line_chart(["a", "b"], [charts.Series("s", [0.2, 0.9])], title="T")
    # then: 0-1-2-3-4, not 1.25 / 2.5 / 3.75; decimals written with a comma
    assert all(f">{tick}<" in percent for tick in ("0", "1", "2", "3", "4"))
    assert ">1.25<" not in percent and ">3,75<" not in percent
    assert ">0,5<" in small and ">1,5<" in small and ">0.5<" not in small


def test_bar_tooltips_use_the_language_notation():
    from django.utils import translation

    # when
    with translation.override("fr"):
        svg = charts.bar_chart(["janv."], [2.5], title="T")
    # then
    assert "<title>janv. : 2,5</title>" in svg
