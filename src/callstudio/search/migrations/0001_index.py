"""The search index tables (search/index.py): an FTS5 table on SQLite, a table with a tsvector
and a GIN index on PostgreSQL. Built empty: `callstudio search rebuild` indexes the calls that
were stored before this migration (search/rebuild.py, also run here when there are some)."""

from django.db import migrations


def create(apps, schema_editor):
    from callstudio.search.index import create_sql

    for sql in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    from callstudio.search.index import drop_sql

    for sql in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def index_existing(apps, schema_editor):
    from callstudio.search.rebuild import index_calls

    index_calls(apps.get_model("calls", "Call").objects.all())


class Migration(migrations.Migration):
    dependencies = [("calls", "0002_analysis")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
