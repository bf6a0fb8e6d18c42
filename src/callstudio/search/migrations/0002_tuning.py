"""The search index's tuning, for indexes built before it was part of creating them
(search/index.py `tuning_sql`): SQLite merges FTS5 segments 16 at a time; PostgreSQL gets the
(team, sort key) B-tree and word statistics for the planner (then run ANALYZE, or let
autovacuum do it)."""

from django.db import migrations


def tune(apps, schema_editor):
    from callstudio.search.index import tuning_sql

    for sql in tuning_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index")]

    operations = [migrations.RunPython(tune, migrations.RunPython.noop)]
