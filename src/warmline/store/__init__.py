"""Persistence: SQLAlchemy Core tables, one SQL implementation for SQLite and PostgreSQL, Alembic migrations."""
