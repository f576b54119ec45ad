"""Region outlines for the risk map: simplify the boundaries once, project them to SVG paths.

The source is ``stock/data/reference/regions.geojson`` (OpenStreetMap boundaries, features with
``id`` ``MA-01``..``MA-12``). ``build_region_paths`` writes ``static/geo/regions-simplified.json``
(committed); pages only read that small file. Rebuild with ``manage.py build_region_paths``.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

SOURCE_PATH = Path(settings.BASE_DIR) / "stock" / "data" / "reference" / "regions.geojson"
FALLBACK_SOURCE_PATH = Path("/work/shared/data/geo/regions.geojson")
OUTPUT_PATH = Path(settings.BASE_DIR) / "static" / "geo" / "regions-simplified.json"
ATTRIBUTION = "© OpenStreetMap contributors"

Point = tuple[float, float]


def _perpendicular_distance(point: Point, start: Point, end: Point) -> float:
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return math.hypot(x - x1, y - y1)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.hypot(dx, dy)


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker simplification of a polyline (iterative, so long rings cannot overflow the stack)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = first, 0.0
        for index in range(first + 1, last):
            d = _perpendicular_distance(points[index], points[first], points[last])
            if d > distance:
                farthest, distance = index, d
        if distance > tolerance:
            keep[farthest] = True
            stack.extend([(first, farthest), (farthest, last)])
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _ring_area(ring: list[Point]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def _polygons(geometry: dict[str, Any]) -> list[list[list[Point]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def build_region_paths(
    source: Path | None = None, *, width: float = 600.0, tolerance: float = 0.02, min_area: float = 0.002
) -> dict[str, Any]:
    """Simplified, projected SVG paths of the regions, keyed by the two-digit region code.

    ``tolerance`` and ``min_area`` are in degrees (squared for the area): rings smaller than
    ``min_area`` (islets) are dropped. Projection: equirectangular scaled by cos(mean latitude)."""
    source = source or (SOURCE_PATH if SOURCE_PATH.exists() else FALLBACK_SOURCE_PATH)
    data = json.loads(source.read_text(encoding="utf-8"))
    features = data["features"]
    lons = [x for f in features for poly in _polygons(f["geometry"]) for ring in poly for x, _ in ring]
    lats = [y for f in features for poly in _polygons(f["geometry"]) for ring in poly for _, y in ring]
    min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = width / ((max_lon - min_lon) * kx)
    height = (max_lat - min_lat) * scale

    def project(point: Point) -> Point:
        return (round((point[0] - min_lon) * kx * scale, 1), round((max_lat - point[1]) * scale, 1))

    regions: dict[str, Any] = {}
    for feature in features:
        code = str(feature.get("id") or feature["properties"].get("id", "")).removeprefix("MA-")
        parts: list[str] = []
        largest: tuple[float, list[Point]] = (0.0, [])
        for polygon in _polygons(feature["geometry"]):
            for ring in polygon:
                ring_points = [(float(x), float(y)) for x, y in ring]
                area = _ring_area(ring_points)
                if area < min_area:
                    continue
                projected = []
                for point in simplify(ring_points, tolerance):
                    xy = project(point)
                    if not projected or projected[-1] != xy:
                        projected.append(xy)
                if len(projected) < 4:
                    continue
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in projected) + "Z")
                if area > largest[0]:
                    largest = (area, projected)
        xs, ys = [p[0] for p in largest[1]], [p[1] for p in largest[1]]
        regions[code] = {
            "path": "".join(parts),
            "label": [round(sum(xs) / len(xs), 1), round(sum(ys) / len(ys), 1)] if xs else [0, 0],
        }
    return {
        "viewBox": f"0 0 {round(width)} {round(height)}",
        "attribution": ATTRIBUTION,
        "regions": dict(sorted(regions.items())),
    }


def write_region_paths(output: Path = OUTPUT_PATH, **options: Any) -> dict[str, Any]:
    """Build the simplified paths and write them as compact JSON; returns what was written."""
    built = build_region_paths(**options)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(built, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return built


@lru_cache(maxsize=1)
def region_paths() -> dict[str, Any]:
    """The committed simplified paths, read once per process."""
    return json.loads(OUTPUT_PATH.read_text(encoding="utf-8"))
