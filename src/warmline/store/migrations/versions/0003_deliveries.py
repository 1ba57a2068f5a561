"""deliveries: every attempt to deliver a handoff to a destination

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deliveries',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('destination', sa.String(length=100), nullable=False),
        sa.Column('handoff_id', sa.String(length=40), nullable=True),
        sa.Column('event', sa.String(length=50), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')))
    op.create_index('ix_deliveries_handoff', 'deliveries', ['handoff_id'])
    op.create_index('ix_deliveries_key', 'deliveries', ['key'])


def downgrade() -> None:
    op.drop_index('ix_deliveries_key', table_name='deliveries')
    op.drop_index('ix_deliveries_handoff', table_name='deliveries')
    op.drop_table('deliveries')
