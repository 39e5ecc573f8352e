"""Superset configuration for the МСОКО dashboard: local, read-only, nothing cached.

Superset loads this file through SUPERSET_CONFIG_PATH (deploy/superset/superset.py sets it).
Everything that differs between machines comes from the environment:

- MSOKO_SUPERSET_HOME: the folder of Superset's own state (metadata SQLite, secret key);
  default build/superset of the repository.
- SUPERSET_SECRET_KEY: the session-signing key; when unset, one is generated once into
  $MSOKO_SUPERSET_HOME/secret_key (owner-only) and kept, so sessions survive restarts.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("MSOKO_SUPERSET_HOME") or REPOSITORY / "build" / "superset").resolve()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return os.environ["SUPERSET_SECRET_KEY"]
    path = HOME / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Superset's own metadata (users, datasets, charts, dashboards): SQLite in the state folder.
SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}"
DATA_DIR = str(HOME)
# Warnings and errors only: Superset's INFO lines (one per start-up step) drown them.
LOG_LEVEL = logging.WARNING

# The published file is replaced by every publication (today an atomic rename of the whole
# file; later a stable catalogue whose views switch to new Parquet files). Nothing of its
# contents may outlive a query: no result or metadata cache, no async results backend.
# Superset opens analytics databases with SQLAlchemy's NullPool (models/core.py), so each
# query opens the file afresh and sees the publication in force at that moment.
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
RESULTS_BACKEND = None
CACHE_DEFAULT_TIMEOUT = 0

# Russian interface by default (the dashboard's titles and labels are Russian); English stays
# available in the menu.
BABEL_DEFAULT_LOCALE = "ru"
LANGUAGES = {
    "ru": {"flag": "ru", "name": "Русский"},
    "en": {"flag": "us", "name": "English"},
}
# Numbers as Russian readers write them: 1 234,5
D3_FORMAT = {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0₽"]}

# Local use: served on 127.0.0.1 over plain HTTP. Superset's content security policy, minus
# every outside host (telemetry pixel, map tiles): the browser asks nothing of the internet.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
WTF_CSRF_ENABLED = True

# The warehouse is read-only for Superset: no file uploads, no DML, no CTAS into it (the
# database is also registered with allow_dml false and opened with access_mode=read_only).
PREVENT_UNSAFE_DB_CONNECTIONS = True
ROW_LIMIT = 50_000
