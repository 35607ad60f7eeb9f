"""Jobs: the only package that imports Celery."""
