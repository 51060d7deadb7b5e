"""Datasette plugins loaded by `raqib serve` (--plugins-dir); see raqib_sql.py."""
