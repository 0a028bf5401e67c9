"""The judge as a service for a class: ``judge serve``.

An HTTP process (``app``) that stores submissions in SQLite (``store``,
``queue``) and never loads a reference or an expected array, and a pool of
judge processes (``judges``) that grade them with the judge's own pipeline.
Everything this package takes from the pipeline goes through ``pipeline``.
"""
