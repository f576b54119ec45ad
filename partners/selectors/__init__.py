"""Composed reads of the partners app (one module per area)."""
