"""manage.py recompute_aggregates and export_aggregates."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from analytics.models import CampaignStats, ChoiceAggregate
from questionnaires.services import response_import
from tests.analytics.conftest import submit_hand_computed

pytestmark = pytest.mark.django_db


def test_recompute_aggregates_rebuilds_synchronously(survey):
    submit_hand_computed(survey)
    assert CampaignStats.objects.get(campaign=survey.campaign).is_stale
    out = io.StringIO()
    call_command("recompute_aggregates", survey.campaign.slug, stdout=out)
    assert "recomputed" in out.getvalue()
    assert not CampaignStats.objects.get(campaign=survey.campaign).is_stale
    assert ChoiceAggregate.objects.filter(campaign=survey.campaign).count() == 9
    call_command("recompute_aggregates", survey.campaign.slug, stdout=io.StringIO())  # fresh: forced anyway
    assert ChoiceAggregate.objects.filter(campaign=survey.campaign).count() == 9


def test_export_aggregates_to_a_file(survey, tmp_path):
    submit_hand_computed(survey)
    call_command("recompute_aggregates", survey.campaign.slug, stdout=io.StringIO())
    target = tmp_path / "aggregates.csv"
    call_command("export_aggregates", survey.campaign.slug, "-o", str(target), stderr=io.StringIO())
    assert target.read_text(encoding="utf-8").splitlines() == [
        "question,choice,label,count,base,pct_of_respondents,selections,pct_of_selections,rank",
        "multi,a,Choice a,3,4,75.0,8,37.5,1",
        "multi,b,Choice b,2,4,50.0,8,25.0,2",
        "multi,c,Choice c,2,4,50.0,8,25.0,2",
        "multi,d,Choice d,1,4,25.0,8,12.5,4",
        "multi,e,Choice e,0,4,0.0,8,0.0,5",
        "single,yes,Choice yes,2,3,66.7,3,66.7,1",
        "single,no,Choice no,1,3,33.3,3,33.3,2",
        "skipped,x,Choice x,0,0,,0,,1",
        "skipped,y,Choice y,0,0,,0,,1",
    ]


def test_export_warns_when_the_figures_are_stale(survey):
    submit_hand_computed(survey)
    call_command("recompute_aggregates", survey.campaign.slug, stdout=io.StringIO())
    response_import(  # an import's rebuild has not run yet
        campaign=survey.campaign, iscm=survey.iscm(), user=None, answers={"multi": ["e"]}, status="submitted"
    )
    err = io.StringIO()
    call_command("export_aggregates", survey.campaign.slug, stdout=io.StringIO(), stderr=err)
    assert "stale" in err.getvalue()


def test_labels_that_look_like_formulas_are_neutralised(survey):
    survey.multi.own_choices.filter(code="a").update(label_en='=HYPERLINK("x")')
    submit_hand_computed(survey)
    out = io.StringIO()
    call_command("export_aggregates", survey.campaign.slug, stdout=out)
    assert 'multi,a,"\'=HYPERLINK(""x"")",3' in out.getvalue()


@pytest.mark.parametrize("command", ["recompute_aggregates", "export_aggregates"])
def test_an_unknown_campaign_is_an_error(command, db):
    with pytest.raises(CommandError, match="No campaign"):
        call_command(command, "nope", stdout=io.StringIO())
