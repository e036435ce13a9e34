"""Starter resolution codes and root-cause taxonomy. Names are English and marked for
translation; the API shows them translated (gettext) while admins may rename them."""

from django.db import migrations
from django.utils.translation import gettext_noop as _

CODES = [
    ("resolved_explained", _("Explained and resolved"), True),
    ("resolved_fixed", _("Problem fixed"), True),
    ("goodwill_offered", _("Goodwill offered"), True),
    ("customer_declined", _("Customer declined to talk"), True),
    ("no_action_possible", _("No action possible"), True),
    ("unreachable", _("Customer unreachable"), False),
]

CAUSES = [
    ("delivery", _("Delivery"), [
        ("delivery_late", _("Late delivery")),
        ("delivery_damaged", _("Damaged in transit")),
        ("delivery_wrong_item", _("Wrong item delivered")),
    ]),
    ("product", _("Product"), [
        ("product_quality", _("Quality defect")),
        ("product_expectations", _("Did not meet expectations")),
    ]),
    ("service", _("Customer service"), [
        ("service_slow", _("Slow response")),
        ("service_rude", _("Unfriendly staff")),
        ("service_unresolved", _("Earlier issue not solved")),
    ]),
    ("billing", _("Billing"), [
        ("billing_overcharged", _("Charged incorrectly")),
        ("billing_refund_delay", _("Refund delayed")),
    ]),
    ("pricing", _("Price"), [("pricing_too_high", _("Too expensive"))]),
    ("other", _("Other"), []),
]


def seed(apps, schema_editor):
    ResolutionCode = apps.get_model("tickets", "ResolutionCode")
    RootCause = apps.get_model("tickets", "RootCause")
    for code, name, requires_contact in CODES:
        ResolutionCode.objects.get_or_create(
            code=code, defaults={"name": name, "requires_contact": requires_contact}
        )
    for code, name, children in CAUSES:
        parent, _created = RootCause.objects.get_or_create(code=code, defaults={"name": name})
        for child_code, child_name in children:
            RootCause.objects.get_or_create(
                code=child_code, defaults={"name": child_name, "parent": parent}
            )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
