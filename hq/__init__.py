"""HQ: the central server that collects every kiosk's ratings and shows them (SPEC §5).

FastAPI for the API and the dashboard, SQLAlchemy 2 and Alembic for the database: a SQLite
file by default, PostgreSQL by URL. Nothing here imports Kivy or gpiozero.
"""
