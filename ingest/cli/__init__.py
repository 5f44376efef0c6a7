"""The ``dangjian`` command, and one local Airflow run for the embedded setup."""
