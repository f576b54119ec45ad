"""Pages of the partners app: the registry and agreements, and the declarations."""
