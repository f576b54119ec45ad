"""Date and number formats of our own, per language (FORMAT_MODULE_PATH): Arabic as Morocco writes it."""
