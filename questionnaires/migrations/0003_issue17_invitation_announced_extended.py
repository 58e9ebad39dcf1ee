import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def mark_opened_campaigns_announced(apps, schema_editor):
    """Invitations of campaigns that opened before this release are taken as announced: focal points
    got there by other means, and a flood of late "the campaign is open" e-mails would confuse them."""
    Invitation = apps.get_model("questionnaires", "Invitation")
    Invitation.objects.filter(campaign__opens_at__lte=timezone.now()).update(announced_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0002_deferred_task"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="announced_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_opened_campaigns_announced, migrations.RunPython.noop),
        migrations.AddField(
            model_name="invitation",
            name="extended_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invitation",
            name="extended_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
