"""Alembic environment: Warmline runs migrations itself (`warmline migrate`, and on first start of `serve`),
passing the connection in; there is no alembic.ini to keep in step with the settings."""
from alembic import context

from warmline.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
