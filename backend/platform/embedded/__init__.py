"""The real PostgreSQL and Redis that `taskflow up` starts from pip packages, owns and stops."""

from backend.platform.embedded.datadir import DataDirectory, DataDirError
from backend.platform.embedded.postgres import EmbeddedPostgres
from backend.platform.embedded.process import EmbeddedServerError
from backend.platform.embedded.redis import EmbeddedRedis

__all__ = [
    "DataDirError",
    "DataDirectory",
    "EmbeddedPostgres",
    "EmbeddedRedis",
    "EmbeddedServerError",
]
