# Airflow image for the county party-building statistics warehouse (党建统计数仓): the
# official Apache Airflow image plus this project - the `ingest` and `expectations` packages
# (console script `dangjian`), the DAG and the dbt project - installed with the exact
# versions in constraints.txt.
#
#   docker compose build                         # as docker-compose.yml does on `up`
#   docker build -t dangjian-airflow:local .
#
# As https://airflow.apache.org/docs/docker-stack/build.html recommends, Python packages are
# installed as the `airflow` user (the image refuses pip as root) into the image's virtualenv
# (/home/airflow/.local), with apache-airflow pinned to the image's own version.
FROM apache/airflow:3.3.0-python3.11

# Where the project lives. DANGJIAN_HOME holds inbox/ and archive/ (a volume in compose).
ENV DANGJIAN_HOME=/opt/dangjian/data \
    DBT_PROJECT_DIR=/opt/dangjian/app/dbt_project \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/dangjian/app/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    GX_ANALYTICS_ENABLED=False

# Folders owned by airflow and group 0, group-writable: the image may run under another
# UID with GID 0, and named volumes mounted here start with these owners and modes.
# Numeric users (0 = root, 50000 = airflow) so that e.g. Kubernetes' runAsNonRoot can check.
USER 0
RUN mkdir -p /opt/dangjian/app /opt/dangjian/data/inbox /opt/dangjian/data/archive \
    && chown -R airflow:0 /opt/dangjian \
    && chmod -R g+rwX /opt/dangjian
USER 50000
WORKDIR /opt/dangjian/app

# 1. Dependencies, in a layer that changes only with pyproject.toml or constraints.txt:
#    empty package stubs let pip resolve and install the project's dependencies before the
#    code is copied, so editing code does not reinstall Airflow, dbt and Great Expectations.
COPY --chown=airflow:0 pyproject.toml constraints.txt ./
RUN mkdir -p ingest expectations \
    && touch ingest/__init__.py expectations/__init__.py \
    && pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -c constraints.txt . \
    && rm -rf ingest expectations build ./*.egg-info

# 2. The project itself. Only what runs is copied (no .env, .venv, .local or tests).
COPY --chown=airflow:0 README.md ./
COPY --chown=airflow:0 ingest ./ingest
COPY --chown=airflow:0 expectations ./expectations
COPY --chown=airflow:0 dags ./dags
COPY --chown=airflow:0 dbt_project ./dbt_project

# Install the package (dependencies are already there) and bake dbt's parse of the project
# into the image (dbt_project/target): the nightly dbt build starts from it instead of
# parsing every file again, on any worker (e.g. a Celery worker on another host). `dbt parse`
# needs no database. In compose, airflow-init re-parses into the shared dbt-target volume.
RUN pip install --no-cache-dir --no-deps --force-reinstall . \
    && rm -rf build ./*.egg-info dbt_project/target dbt_project/logs dbt_project/dbt_packages \
    && dangjian dbt parse --quiet \
    && rm -rf dbt_project/logs \
    && chmod -R g+rwX /opt/dangjian/app

WORKDIR /opt/airflow
