"""Server-side SVG: line and bar charts and the regional risk map. No JavaScript, no external service.

Every chart carries a ``<title>`` and ``<desc>`` for screen readers; the data is also shown in a table
next to it by the templates, so colour is never the only carrier of meaning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shortages import geo

LEVEL_COLOURS = {
    "critical": "#b3261e",
    "high": "#e07b00",
    "medium": "#e8c547",
    "low": "#5aa469",
    "unknown": "#c8cdd3",
}
SERIES_COLOURS = ("#0b5cad", "#b3261e", "#e07b00", "#5aa469", "#6f42c1")
# The map's sequential scale, light to dark (the legend's swatches: .legend__swatch--step-N in app.css).
SHARE_COLOURS = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
NO_DATA_COLOUR = "#c8cdd3"


@dataclass
class Series:
    """One line of a chart: a label and one value (or None for a gap) per x position."""

    label: str
    values: Sequence[float | None]
    colour: str = ""
    dashed: bool = False


@dataclass
class ChartFrame:
    width: int = 640
    height: int = 240
    left: int = 52
    right: int = 28
    top: int = 26
    bottom: int = 36
    ticks: list[float] = field(default_factory=list)

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


def _nice_step(value: float) -> float:
    """The smallest 1, 2, 5 (or 2.5 from 25 up) times a power of ten at or above ``value`` (> 0)."""
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step == 2.5 and magnitude < 10:
            continue
        if step * magnitude >= value * (1 - 1e-9):
            return step * magnitude
    return 10 * magnitude


def _nice_max(value: float) -> float:
    """An axis maximum at or above ``value`` whose four equal intervals are round numbers
    (0, 1, 2, 3, 4 or 0, 25 k, 50 k, 75 k, 100 k; never 1.25 or 3.75 as step)."""
    if value <= 0:
        return 4.0
    return 4 * _nice_step(value / 4)


def _number(value: float) -> str:
    """``value`` in the active language's notation (``2,5`` in French), at most two decimals."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    decimals = len(text.partition(".")[2])
    return number_format(round(value, 2), decimals, force_grouping=True)


def _format_tick(value: float) -> str:
    if value >= 1_000_000:
        return f"{_number(value / 1_000_000)} M"
    if value >= 10_000:
        return f"{_number(value / 1000)} k"
    return _number(value)


def _axes(
    frame: ChartFrame, x_labels: Sequence[str], y_max: float, y_unit: str, x_pos: Callable[[int], float]
) -> list[str]:
    parts = []
    for i in range(5):
        value = y_max * i / 4
        y = frame.top + frame.plot_height * (1 - i / 4)
        parts.append(
            f'<line class="grid-line" stroke="#e3e7eb" x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{frame.left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_format_tick(value))}</text>'
        )
    parts.append(
        f'<line class="axis" stroke="#8c959f" x1="{frame.left}" x2="{frame.width - frame.right}" '
        f'y1="{frame.top + frame.plot_height}" y2="{frame.top + frame.plot_height}"/>'
    )
    step = max(1, len(x_labels) // 12)
    for index, label in enumerate(x_labels):
        if index % step:
            continue
        x = x_pos(index)
        parts.append(
            f'<text x="{x:.1f}" y="{frame.height - frame.bottom + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    if y_unit:
        parts.append(f'<text x="4" y="12" text-anchor="start">{escape(y_unit)}</text>')
    return parts


def _x(frame: ChartFrame, index: int, count: int) -> float:
    if count <= 1:
        return frame.left + frame.plot_width / 2
    return frame.left + frame.plot_width * index / (count - 1)


def _svg(frame: ChartFrame, title: str, description: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every text piece above is escaped
        f'<svg class="chart" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11" fill="#57606a">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>{''.join(body)}</svg>"
    )


def line_chart(
    x_labels: Sequence[str], series: Sequence[Series], *, title: str, description: str = "", y_unit: str = ""
) -> SafeString:
    """A line chart of one or more series over the same x positions (months, usually)."""
    frame = ChartFrame()
    values = [v for s in series for v in s.values if v is not None]
    y_max = _nice_max(max(values, default=0))
    body = _axes(frame, x_labels, y_max, y_unit, lambda index: _x(frame, index, len(x_labels)))
    for number, line in enumerate(series):
        colour = line.colour or SERIES_COLOURS[number % len(SERIES_COLOURS)]
        segments, current = [], []
        for index, value in enumerate(line.values):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            y = frame.top + frame.plot_height * (1 - value / y_max)
            current.append(f"{_x(frame, index, len(x_labels)):.1f},{y:.1f}")
        if current:
            segments.append(current)
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        for points in segments:
            if len(points) == 1:
                x, y = points[0].split(",")
                body.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
            else:
                body.append(
                    f'<polyline class="series" fill="none" stroke-width="2.5" stroke="{colour}"{dash} points='
                    f'"{" ".join(points)}"/>'
                )
    legend_x = frame.left
    for number, line in enumerate(series if len(series) > 1 else []):
        colour = line.colour or SERIES_COLOURS[number % len(SERIES_COLOURS)]
        body.append(
            f'<rect x="{legend_x}" y="{frame.height - 12}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{frame.height - 3}">{escape(line.label)}</text>'
        )
        legend_x += 24 + 7 * len(line.label)
    return _svg(frame, title, description, body)


def _integer_max(values: Sequence[float | None]) -> float:
    """An axis maximum for counts: at least 4, so that the five ticks are whole numbers."""
    top = _nice_max(max((v for v in values if v is not None), default=0))
    return max(4.0, float(math.ceil(top / 4) * 4))


def bar_chart(
    x_labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    description: str = "",
    y_unit: str = "",
    colours: Sequence[str] | None = None,
) -> SafeString:
    """A vertical bar chart, one bar per label; ``colours`` may give one colour per bar."""
    frame = ChartFrame()
    whole = all(float(v).is_integer() for v in values if v is not None)
    y_max = _integer_max(values) if whole else _nice_max(max((v for v in values if v is not None), default=0))
    slot = frame.plot_width / max(1, len(x_labels))
    body = _axes(frame, x_labels, y_max, y_unit, lambda index: frame.left + slot * (index + 0.5))
    for index, value in enumerate(values):
        if value is None:
            continue
        height = frame.plot_height * value / y_max
        x = frame.left + slot * index + slot * 0.15
        colour = colours[index] if colours else SERIES_COLOURS[0]
        body.append(
            f'<rect class="bar" fill="{colour}" x="{x:.1f}" y="{frame.top + frame.plot_height - height:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{height:.1f}"><title>{escape(x_labels[index])} : {escape(_number(value))}</title></rect>'
        )
    return _svg(frame, title, description, body)


@dataclass(frozen=True)
class ShareClass:
    """One step of the map's scale: shares from ``low`` to ``high`` (0-1), painted ``colour``."""

    index: int
    low: float
    high: float
    colour: str


def share_classes(shares: Iterable[float | None], *, steps: int = len(SHARE_COLOURS)) -> list[ShareClass]:
    """Equal-width steps from the lowest to the highest share measured (min-max), so that the
    regions that exist are told apart however close their shares are (twelve regions between 6.4
    and 8.5 % get five colours, not one). One step when every share is the same, none without any."""
    measured = [share for share in shares if share is not None]
    if not measured:
        return []
    low, high = min(measured), max(measured)
    if high - low < 1e-9:
        return [
            ShareClass(index=len(SHARE_COLOURS) // 2, low=low, high=high, colour=SHARE_COLOURS[len(SHARE_COLOURS) // 2])
        ]
    width = (high - low) / steps
    return [
        ShareClass(index=step, low=low + step * width, high=low + (step + 1) * width, colour=SHARE_COLOURS[step])
        for step in range(steps)
    ]


def share_class_of(share: float | None, classes: Sequence[ShareClass]) -> ShareClass | None:
    """The step a share falls in (the top one includes its upper bound), None without a share."""
    if share is None or not classes:
        return None
    for share_class in classes:
        if share < share_class.high:
            return share_class
    return classes[-1]


def region_map(
    shares: Mapping[str, float | None],
    *,
    names: Mapping[str, str],
    classes: Sequence[ShareClass],
    urls: Mapping[str, str] | None = None,
    title: str,
    describe: Callable[[float | None], str],
) -> SafeString:
    """The 12 regions painted by the step of their share (``shares``: region code -> 0-1, or None
    for a region without positions), each a link when ``urls`` has one, with its name and
    ``describe(share)`` as a tooltip."""
    paths = geo.region_paths()
    body = []
    for code, region in paths["regions"].items():
        share = shares.get(code)
        share_class = share_class_of(share, classes)
        colour = share_class.colour if share_class else NO_DATA_COLOUR
        step = str(share_class.index) if share_class else "none"
        tooltip = f"{names.get(code, code)} — {describe(share)}"
        shape = (
            f'<path d="{region["path"]}" fill="{colour}" data-region="{escape(code)}" data-step="{step}" '
            f'data-share="{"" if share is None else f"{share:.4f}"}"><title>{escape(tooltip)}</title></path>'
        )
        url = (urls or {}).get(code)
        body.append(f'<a href="{escape(url)}" aria-label="{escape(tooltip)}">{shape}</a>' if url else shape)
    return mark_safe(  # noqa: S308 - names and labels are escaped, paths are numbers
        f'<svg viewBox="{paths["viewBox"]}" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def reliability_chart(
    bins: Sequence[tuple[float, float, float | None, float | None]],
    *,
    title: str,
    x_title: str,
    y_title: str,
    description: str = "",
) -> SafeString:
    """A reliability diagram: for each tenth of P, ``(low, high, mean P, observed share)`` (0-1, None
    for an empty tenth), the observed share of stockouts against the mean P given, on a square
    0-100 % by 0-100 % plot whose diagonal is a perfectly calibrated probability."""
    frame = ChartFrame(width=460, height=420, left=48, right=20, top=28, bottom=42)
    side = min(frame.plot_width, frame.plot_height)

    def x_of(share: float) -> float:
        return frame.left + side * share

    def y_of(share: float) -> float:
        return frame.top + side * (1 - share)

    body = []
    for step in range(6):
        share = step / 5
        label = escape(f"{_number(share * 100)} %")
        body.append(
            f'<line class="grid-line" stroke="#e3e7eb" x1="{x_of(0):.1f}" x2="{x_of(1):.1f}" y1="{y_of(share):.1f}" '
            f'y2="{y_of(share):.1f}"/><text x="{x_of(0) - 6:.1f}" y="{y_of(share) + 4:.1f}" text-anchor="end">{label}</text>'
            f'<text x="{x_of(share):.1f}" y="{y_of(0) + 16:.1f}" text-anchor="middle">{label}</text>'
        )
    body.append(
        f'<line class="axis" stroke="#8c959f" x1="{x_of(0):.1f}" x2="{x_of(1):.1f}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}"/>'
        f'<line stroke="#8c959f" stroke-dasharray="4 4" x1="{x_of(0):.1f}" y1="{y_of(0):.1f}" x2="{x_of(1):.1f}" '
        f'y2="{y_of(1):.1f}"/>'
    )
    body.append(
        f'<text x="{x_of(0.5):.1f}" y="{frame.height - 4}" text-anchor="middle">{escape(x_title)}</text>'
        f'<text x="4" y="12" text-anchor="start">{escape(y_title)}</text>'
    )
    points = [
        (low, high, mean, observed) for low, high, mean, observed in bins if mean is not None and observed is not None
    ]
    if len(points) > 1:
        line = " ".join(f"{x_of(mean):.1f},{y_of(observed):.1f}" for _, _, mean, observed in points)
        body.append(
            f'<polyline class="series" fill="none" stroke-width="2" stroke="{SERIES_COLOURS[0]}" points="{line}"/>'
        )
    for low, high, mean, observed in points:
        tooltip = f"{_number(low * 100)}-{_number(high * 100)} % : {_number(round(observed * 100, 1))} %"
        body.append(
            f'<circle cx="{x_of(mean):.1f}" cy="{y_of(observed):.1f}" r="4" fill="{SERIES_COLOURS[0]}">'
            f"<title>{escape(tooltip)}</title></circle>"
        )
    return _svg(frame, title, description, body)
