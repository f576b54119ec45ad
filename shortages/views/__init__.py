"""Pages of the shortages app: overview, medicine, alerts, shortages and the home page per role."""
