# The production image: Airflow 3.3 with this project's DAGs, plugins and package,
# installed from the same pinned constraints as development and CI.
FROM python:3.11-slim-bookworm

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AIRFLOW_HOME=/opt/airflow \
    GIAMNGHEO_PROJECT_DIR=/opt/giamngheo \
    GIAMNGHEO_DATA_DIR=/data \
    GX_ANALYTICS_ENABLED=False

# LibreOffice for the PDF copy of the report; fonts for the charts; curl for health checks
RUN apt-get update \
 && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 50000 --gid 0 airflow \
 && mkdir -p /opt/airflow /data && chown -R airflow:0 /opt/airflow /data

WORKDIR /opt/giamngheo
COPY pyproject.toml constraints.txt README.md ./
COPY giamngheo ./giamngheo
RUN pip install -c constraints.txt -e ".[deploy,units]"
COPY dags ./dags
COPY plugins ./plugins
COPY include ./include
COPY expectations ./expectations

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/giamngheo/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/giamngheo/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False
USER airflow
ENTRYPOINT ["airflow"]
CMD ["version"]
