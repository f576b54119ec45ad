"""Writes of the partners app that enforce a rule (one module per area)."""
