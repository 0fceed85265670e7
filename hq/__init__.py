"""HQ: the central server that collects every kiosk's ratings and shows them (SPEC §5).

FastAPI for the API and the dashboard, SQLAlchemy 2 and Alembic for the database: a SQLite
file by default, PostgreSQL by URL. Nothing here imports Kivy or gpiozero.
"""

import os

ENV_VAR = "HYMIO_HQ_DATABASE"
HQ_PACKAGES = (
    "fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "argon2", "jinja2", "fastapi_offline",
    "weasyprint",
)  # fmt: skip


def default_url() -> str:
    """``$HYMIO_HQ_DATABASE``, or a SQLite file ``hq.db`` in the current folder."""
    return os.environ.get(ENV_VAR) or "sqlite:///hq.db"
