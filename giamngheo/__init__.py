"""Domain logic of the half-year poverty-reduction report pipeline.

Nothing in this package imports Airflow: the DAGs in ``dags/`` call it.
Data flows one way: inbox file -> rows (``reading``) -> checked rows
(``validation``) -> warehouse facts (``warehouse``) -> report figures.
"""

__version__ = "0.1.0"
