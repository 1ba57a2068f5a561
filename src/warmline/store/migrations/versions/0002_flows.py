"""pre-handoff flows: handoffs.details, and 'collecting' counts as open

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

OLD = "state IN ('waiting', 'queued', 'assigned', 'ticket')"
NEW = "state IN ('collecting', 'waiting', 'queued', 'assigned', 'ticket')"


def upgrade() -> None:
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
        batch_op.drop_index('uq_handoffs_one_open')
        batch_op.create_index('uq_handoffs_one_open', ['conversation_id'], unique=True,
                              sqlite_where=sa.text(NEW), postgresql_where=sa.text(NEW))


def downgrade() -> None:
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index('uq_handoffs_one_open')
        batch_op.create_index('uq_handoffs_one_open', ['conversation_id'], unique=True,
                              sqlite_where=sa.text(OLD), postgresql_where=sa.text(OLD))
        batch_op.drop_column('details')
