from django.db import migrations


def add_default_segments(apps, schema_editor):
    from rapport.analytics.services.rfm import DEFAULT_SEGMENTS

    SegmentRule = apps.get_model("analytics", "SegmentRule")
    if SegmentRule.objects.exists():
        return
    for position, (name, r_min, r_max, f_min, f_max, action, color) in enumerate(DEFAULT_SEGMENTS):
        SegmentRule.objects.create(name=name, position=position, r_min=r_min, r_max=r_max, f_min=f_min,
                                   f_max=f_max, action=action, color=color)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]
    operations = [migrations.RunPython(add_default_segments, migrations.RunPython.noop)]
