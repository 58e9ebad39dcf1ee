from django.db import migrations, models

# The existing rows: the first of each answer is the one with the smallest id.
MARK_FIRSTS = """
UPDATE questionnaires_answerchoice SET is_first = TRUE
WHERE id IN (SELECT MIN(id) FROM questionnaires_answerchoice GROUP BY response_id, question_id, item)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0011_h21items_list_of_items"),
    ]

    operations = [
        migrations.AddField(
            model_name="answerchoice",
            name="is_first",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.RunSQL(MARK_FIRSTS, migrations.RunSQL.noop),
    ]
