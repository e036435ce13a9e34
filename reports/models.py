"""The daily NPS rollup: answers counted per UTC day, survey and customer segment.

`reports.selectors.nps_report` reads whole days from here and counts the rest live (the
partial days at the period's edges and every answer newer than the rollup's mark), so
its numbers are those of a scan of all answers. `reports.services` keeps it current
(`nps_rollup_refresh`, `nps_rollup_rebuild`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

ROLLUP_STATE_PK = 1


class ResponseDay(models.Model):
    """How many answers of one survey, from customers of one segment, arrived on one UTC
    day (by `responded_at`), by category. Only answers with id ≤ the state's mark."""

    day = models.DateField(_("day (UTC)"))
    survey = models.ForeignKey(
        "surveys.Survey",
        verbose_name=_("survey"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The customer's segment as stored: the live filter compares customer__segment exactly.
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    promoters = models.PositiveIntegerField(_("promoters"), default=0)
    passives = models.PositiveIntegerField(_("passives"), default=0)
    detractors = models.PositiveIntegerField(_("detractors"), default=0)
    responses = models.PositiveIntegerField(_("responses"), default=0)

    class Meta:
        verbose_name = _("NPS day")
        verbose_name_plural = _("NPS days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "survey", "segment"], name="response_day_unique_day_survey_segment"
            )
        ]
        indexes = [
            models.Index(fields=["survey", "day"], name="response_day_survey_day_idx"),
            models.Index(fields=["segment", "day"], name="response_day_segment_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.survey_id} {self.segment or '-'}: {self.responses}"


class ResponseRollupState(models.Model):
    """The one row (pk=1) saying how far ResponseDay goes; locking it serialises refreshes.

    `response_id_mark`: ResponseDay counts exactly the answers with id ≤ mark (None: never
    built, the reports count everything live). `slices`: the id ranges added recently,
    with the count and sum of their ids when they were counted; a change means an answer
    committed late (or was deleted) there, and its days are counted again.
    """

    response_id_mark = models.BigIntegerField(_("counted up to answer id"), null=True)
    slices = models.JSONField(_("recent id ranges"), default=list, blank=True)
    customers_checked_at = models.DateTimeField(_("customers checked up to"), null=True)
    refreshed_at = models.DateTimeField(_("refreshed"), null=True)
    rebuilt_at = models.DateTimeField(_("rebuilt"), null=True)

    class Meta:
        verbose_name = _("NPS rollup state")
        verbose_name_plural = _("NPS rollup state")

    def __str__(self) -> str:
        if self.response_id_mark is None:
            return str(_("NPS rollup (not built yet)"))
        return _("NPS rollup up to answer #%(mark)d") % {"mark": self.response_id_mark}


class ResponseDayStale(models.Model):
    """A day to count again at the next refresh (answers deleted through the admin).

    Append-only: the refresh deletes exactly the rows it read, so a mark written while it
    runs is kept for the next one."""

    day = models.DateField(_("day (UTC)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("NPS day to recount")
        verbose_name_plural = _("NPS days to recount")
