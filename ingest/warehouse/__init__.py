"""The warehouse: the embedded PostgreSQL and its schemas and roles (``sql/``), the
pseudonymisation key, and running dbt on it.
"""

#: What a night's dbt build leaves out: the unit tests of the models' logic, which read fixed
#: inputs, not the night's data, and so pass or fail with the code alone. They run in the
#: test suite (tests/integration/test_dbt_unit_tests.py), as dbt advises, and in any
#: `dangjian dbt build` run by hand. Here, not in ingest.warehouse.dbt: the DAG file reads it
#: when it is parsed.
NIGHT_BUILD_FLAGS = ("--exclude-resource-type", "unit_test")
