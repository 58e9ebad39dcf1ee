"""The demo: the 2023 practices of the seed report's annex, split and tagged where the text names objectives."""

import os

from django.core.management import call_command

from practices.models import Practice


def _tags(acronym: str) -> list[list[int]]:
    practices = Practice.objects.filter(
        iscm__acronym=acronym, source_question__code="gcm_practices", campaign__slug="iscm-contributions-2023"
    ).order_by("position")
    return [sorted(int(c.code) for c in p.gcm_objectives.all()) for p in practices]


def test_demo_practices_are_split_and_tagged_as_the_annex_names_them(demo):
    assert _tags("RIAM") == [[5, 16, 20, 22], [3, 4, 5, 11]]
    assert _tags("SACM") == [[15, 16], [1], [19]]
    assert len(_tags("RMFM")) == 7  # one per list item of the answer
    gcm = Practice.objects.filter(source_question__code="gcm_practices")
    assert gcm.exists() and not gcm.filter(published_at=None).exists()  # the annex: published
    others = Practice.objects.exclude(source_question__code="gcm_practices")
    assert others.exists() and not others.exclude(published_at=None).exists()  # left for review
    before = Practice.objects.count()
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert Practice.objects.count() == before  # idempotent
