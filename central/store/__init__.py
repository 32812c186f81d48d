"""The store: the database engines and sessions, the SQLAlchemy models and the Alembic migrations."""
