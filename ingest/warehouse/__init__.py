"""The warehouse: the embedded PostgreSQL and its schemas and roles (``sql/``), the
pseudonymisation key, and running dbt on it.
"""
