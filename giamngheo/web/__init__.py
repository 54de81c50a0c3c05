"""Page models for the web routes of ``plugins/`` (the Submissions page, each unit's desk).

Plain Python over the package: what a page shows, as dictionaries a template renders and a script reads
as JSON. Nothing else in the package imports this one; who may see which unit is decided by
:mod:`giamngheo.access` and checked by the plugin before it asks for a page.
"""
