"""Ticket.next_due_at and Ticket.sla_state: the queue's summary of a ticket's SLA clocks,
filled here from the clocks and kept by tickets.sla afterwards; indexes for the queue."""

from django.db import migrations, models

# A copy of tickets.sla.SUMMARY_UPDATE_SQL as of this migration (a migration must not
# change with later code). Tickets without an unmet clock keep the defaults (NULL, ''),
# which is what the expressions give them, so only the others are written.
BACKFILL_SQL = """
UPDATE tickets_ticket SET
    next_due_at = (
        SELECT MIN(c.due_at) FROM tickets_slaclock c
        WHERE c.ticket_id = tickets_ticket.id AND c.met_at IS NULL AND c.paused_at IS NULL
    ),
    sla_state = (
        SELECT CASE MAX(CASE c.state WHEN 'breached' THEN 3 WHEN 'at_risk' THEN 2
                                     WHEN 'running' THEN 1 ELSE 0 END)
               WHEN 3 THEN 'breached' WHEN 2 THEN 'at_risk' WHEN 1 THEN 'running' ELSE '' END
        FROM tickets_slaclock c
        WHERE c.ticket_id = tickets_ticket.id AND c.met_at IS NULL
    )
WHERE id IN (SELECT ticket_id FROM tickets_slaclock WHERE met_at IS NULL)
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BACKFILL_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_seed_resolution_taxonomy"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="next_due_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="nearest SLA deadline"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_state",
            field=models.CharField(
                blank=True,
                default="",
                db_default="",  # raw INSERTs (benchmarks, data loads) need not name it
                editable=False,
                max_length=16,
                verbose_name="SLA state",
            ),
        ),
        # before the indexes: filling indexed columns would cost more
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["assignee", "status", "next_due_at"], name="ticket_assignee_due_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["team", "status", "next_due_at"], name="ticket_team_due_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["next_due_at"], name="ticket_next_due_idx"),
        ),
        # (assignee, status) is a prefix of ticket_assignee_due_idx
        migrations.RemoveIndex(model_name="ticket", name="ticket_assignee_status_idx"),
    ]
