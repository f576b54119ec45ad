"""Writes of the shortages app: scoring runs, alerts, notifications and the shortage register."""
