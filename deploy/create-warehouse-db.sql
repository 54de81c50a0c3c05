-- run once by the postgres image at first start: the warehouse lives beside Airflow's metadata
create database warehouse owner airflow;
