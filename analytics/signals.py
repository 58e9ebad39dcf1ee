"""Changes outside the response writes that the stored figures must follow: rebuilds requested.

A choice added to a shared list (SDG, GCM, …) while campaigns use it: their figures are rebuilt.

Submissions keep the stored figures exact by moving existing rows (one per question and choice, written
by the rebuild); a choice added afterwards has no row yet, so the campaigns whose questionnaires use
its list are marked stale, and their next writes request the rebuild that adds the row. Own choices
of published questions cannot be added (published questionnaires are frozen); deleting a choice
deletes its stored rows with it (and a ticked choice cannot be deleted).

An ISCM moved to another region or type: its answers now count in another (region, type) cell, so the
campaigns that invite it are rebuilt (registry edits are rare; a rename moves nothing).
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from practices.models import Practice
from questionnaires.models import Choice, Iscm

from .models import CampaignStats
from .services import aggregates_request_recompute, report_files_discard


@receiver(post_save, sender=Choice, dispatch_uid="analytics_choice_added")
def choice_added(sender, instance: Choice, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw or not instance.choice_list_id:
        return
    campaign_ids = (
        CampaignStats.objects.filter(campaign__questionnaire__questions__choice_list_id=instance.choice_list_id)
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    for campaign_id in campaign_ids:
        aggregates_request_recompute(campaign_id=campaign_id)


@receiver(pre_save, sender=Iscm, dispatch_uid="analytics_iscm_cell_before")
def iscm_cell_before(sender, instance: Iscm, raw: bool = False, **kwargs) -> None:
    instance._cell_before = (
        None
        if raw or instance.pk is None
        else Iscm.objects.filter(pk=instance.pk).values_list("region", "type").first()
    )


@receiver(post_save, sender=Iscm, dispatch_uid="analytics_iscm_cell_moved")
def iscm_cell_moved(sender, instance: Iscm, created: bool, raw: bool = False, **kwargs) -> None:
    before = getattr(instance, "_cell_before", None)
    if created or raw or before is None or before == (instance.region, instance.type):
        return
    campaign_ids = (
        CampaignStats.objects.filter(campaign__invitations__iscm=instance)
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    for campaign_id in campaign_ids:
        aggregates_request_recompute(campaign_id=campaign_id)


# The report's annex shows the published practices (analytics/report_annex.py): a report file made before
# one of them changed, was published or unpublished no longer matches the report.
@receiver(post_save, sender=Practice, dispatch_uid="analytics_practice_saved")
def practice_saved(sender, instance: Practice, raw: bool = False, update_fields=None, **kwargs) -> None:
    if not raw and (instance.published_at is not None or (update_fields and "published_at" in update_fields)):
        report_files_discard(campaign_id=instance.campaign_id)


@receiver(post_delete, sender=Practice, dispatch_uid="analytics_practice_deleted")
def practice_deleted(sender, instance: Practice, **kwargs) -> None:
    if instance.published_at is not None:
        report_files_discard(campaign_id=instance.campaign_id)


def practice_tags_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    practices = Practice.objects.filter(pk__in=pk_set or ()) if reverse else [instance]
    for campaign_id in {p.campaign_id for p in practices if p.published_at is not None}:
        report_files_discard(campaign_id=campaign_id)


for through, uid in ((Practice.gcm_objectives.through, "gcm"), (Practice.sdgs.through, "sdg")):
    m2m_changed.connect(practice_tags_changed, sender=through, dispatch_uid=f"analytics_practice_{uid}")
