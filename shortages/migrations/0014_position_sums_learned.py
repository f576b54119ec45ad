from django.db import migrations, models


def stored_sums_delete(apps, schema_editor):
    """The sums stored before do not count the learned positions. Without a day's sums, the next
    publication sums the day's positions again and the pages count them on the positions
    (``shortages.selectors_pages.common.day_counts``), as for a day scored before sums were kept."""
    apps.get_model("shortages", "PositionSums").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shortages", "0013_position_prediction_forecast_bounds"),
    ]

    operations = [
        migrations.RunPython(stored_sums_delete, migrations.RunPython.noop, elidable=True),
        migrations.AddField(
            model_name="positionsums",
            name="learned",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
    ]
