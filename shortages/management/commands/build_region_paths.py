"""Rebuild static/geo/regions-simplified.json from the region boundaries (run after the source changes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shortages import geo


class Command(BaseCommand):
    help = "Simplify and project the region boundaries into the SVG paths used by the risk map."

    def add_arguments(self, parser):
        parser.add_argument("--tolerance", type=float, default=0.02, help="Douglas-Peucker tolerance in degrees.")
        parser.add_argument("--width", type=float, default=600.0, help="Width of the SVG viewBox.")

    def handle(self, *args, tolerance: float, width: float, **options):
        built = geo.write_region_paths(tolerance=tolerance, width=width)
        size = geo.OUTPUT_PATH.stat().st_size
        self.stdout.write(
            f"{len(built['regions'])} regions, viewBox {built['viewBox']}, {size} bytes -> {geo.OUTPUT_PATH}"
        )
