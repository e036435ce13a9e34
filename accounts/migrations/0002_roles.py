"""The three roles as groups with model permissions.

Row scope (which tickets) is enforced in tickets.selectors; these permissions say what
kind of object a role may touch at all, and drive the Django admin.
"""

from django.db import migrations

AGENT = {
    "tickets": {
        "ticket": ("view", "change"),
        "ticketevent": ("view",),
        "contactattempt": ("view", "add"),
        "resolution": ("view", "add"),
        "resolutioncode": ("view",),
        "rootcause": ("view",),
        "team": ("view",),
        "rerateinvitation": ("view",),
    },
    "surveys": {"customer": ("view", "change"), "response": ("view",), "survey": ("view",)},
    "sla": {"slaclock": ("view",)},
}
MANAGER_EXTRA = {
    "tickets": {
        "team": ("change",),
        "routingrule": ("view",),
    },
    "sla": {
        "slapolicy": ("view",),
        "businesscalendar": ("view",),
        "escalationlevel": ("view",),
    },
    "notifications": {"delivery": ("view",)},
}
ADMIN_APPS = ("accounts", "surveys", "tickets", "notifications", "reports", "intake", "sla",
              "django_celery_beat")


def _ensure_permissions(apps):
    """Permissions are normally created after migrate; roles need them now."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        # Restore what was there: None for every app made `migrate` skip all post_migrate
        # handlers on a fresh database (no periodic tasks, no default SLA policy).
        original = app_config.models_module
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original


def _perms(Permission, spec):
    wanted = []
    for app_label, models in spec.items():
        for model, actions in models.items():
            for action in actions:
                wanted.append((app_label, f"{action}_{model}"))
    found = []
    for app_label, codename in wanted:
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is not None:
            found.append(perm)
    return found


def create_roles(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    agent_perms = _perms(Permission, AGENT)
    manager_perms = agent_perms + _perms(Permission, MANAGER_EXTRA)
    admin_perms = list(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    admin_perms += list(
        Permission.objects.filter(content_type__app_label="auth", content_type__model="group")
    )
    for name, perms in (("agent", agent_perms), ("manager", manager_perms), ("admin", admin_perms)):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("surveys", "0002_initial"),
        ("tickets", "0002_seed_resolution_taxonomy"),
        ("sla", "0002_initial"),
        ("notifications", "0001_initial"),
        ("intake", "0002_initial"),
        ("reports", "0002_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
