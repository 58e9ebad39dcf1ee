"""The shapes of the API's rows, for the OpenAPI schema (the views build plain dicts from the selectors)."""

from __future__ import annotations

from rest_framework import serializers

from questionnaires.csv_io import CODEBOOK_COLUMNS
from questionnaires.models import Campaign, Iscm, Response


class CampaignSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Campaign.Status.choices)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField(help_text="The close, or the earlier manual close.")
    invited = serializers.IntegerField(help_text="ISCMs invited.")
    responded = serializers.IntegerField(help_text="ISCMs whose response is submitted, returned or validated.")
    questionnaire = serializers.SlugField()
    questionnaire_version = serializers.IntegerField()


class AggregateSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="Question code.")
    choice = serializers.CharField(help_text="Choice code.")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Responding ISCMs that selected the choice.")
    base = serializers.IntegerField(help_text="Responding ISCMs that answered the question.")
    pct_of_respondents = serializers.FloatField(allow_null=True, help_text="100 × count / base, one decimal.")
    selections = serializers.IntegerField(help_text="Choices selected in the question, all ISCMs together.")
    pct_of_selections = serializers.FloatField(allow_null=True, help_text="100 × count / selections, one decimal.")
    rank = serializers.IntegerField(help_text="Competition rank of the count within the question (1 = most).")


class ResponseRateSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=[("region", "region"), ("type", "type")])
    group = serializers.CharField(help_text="The region, or the ISCM type code.")
    label = serializers.CharField()
    invited = serializers.IntegerField()
    responded = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="100 × responded / invited, one decimal.")


CodebookRowSerializer = type(
    "CodebookRowSerializer",
    (serializers.Serializer,),
    {column: serializers.CharField(allow_blank=True) for column in CODEBOOK_COLUMNS},
)


class ResponseRowSerializer(serializers.Serializer):
    """One ISCM's response. Besides these keys, one key per column of the wide export: a question's code
    (text, number, ISO date, or the choice codes separated by spaces) and, for multiple-choice questions,
    `<code>/<choice>` with 1 or 0. The codebook lists them."""

    iscm = serializers.CharField()
    iscm_name = serializers.CharField()
    region = serializers.CharField()
    type = serializers.ChoiceField(choices=Iscm.Type.choices)
    status = serializers.ChoiceField(choices=Response.Status.choices)
    submitted_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "ResponseRow"
