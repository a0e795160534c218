"""Runs ingestion: the scheduler, the tasks, refreshing feeds, images and stories glue.

The top layer: ``pipeline → news → sources → ingest``. Nothing below imports it.
"""
