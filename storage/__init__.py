"""Persistence for scans, page visits, observations, analyses and findings (SQLAlchemy 2).

SQLite by default, PostgreSQL for shared storage; the schema is kept current with Alembic.
"""

from storage.errors import StorageError
from storage.store import Store
from storage.urls import normalize_db_url

__all__ = ["StorageError", "Store", "normalize_db_url"]
