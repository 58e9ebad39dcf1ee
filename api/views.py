"""The read-only API under /api/v1/: thin views over api.selectors, one permission class each.

Every list takes `?format=csv` (Excel's Data › From Web, Power BI); the schema is at /api/schema/ and
the documentation page at /api/docs/ (docs/api.md has the recipes).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from analytics import disclosure
from questionnaires.models import LANGUAGE_CODES, Campaign, Iscm, Response

from . import selectors
from .permissions import DashboardReader, ResponseReader
from .serializers import (
    AggregateSerializer,
    CampaignSerializer,
    CodebookRowSerializer,
    ResponseRateSerializer,
    ResponseRowSerializer,
)

FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, enum=["json", "csv"], description="`csv` for Excel and Power BI (default json)."
)
REGION = OpenApiParameter("region", OpenApiTypes.STR, description="Only the ISCMs of this region.")
ISCM_TYPE = OpenApiParameter(
    "iscm_type", OpenApiTypes.STR, enum=Iscm.Type.values, description="Only the ISCMs of this type."
)
QUESTION = OpenApiParameter("question", OpenApiTypes.STR, description="Only this question (its code).")
LANGUAGE = OpenApiParameter(
    "language", OpenApiTypes.STR, enum=list(LANGUAGE_CODES), description="Language of the labels (default en)."
)
LABELS = OpenApiParameter(
    "labels",
    OpenApiTypes.STR,
    enum=list(LANGUAGE_CODES),
    description="Write choice labels in this language instead of choice codes.",
)


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(selectors.campaigns(), slug=slug)


def _choice(request, name: str, allowed) -> str:
    value = request.query_params.get(name, "")
    if value and value not in allowed:
        raise ValidationError({name: _("Expected one of: %(values)s.") % {"values": ", ".join(allowed)}})
    return value


def _filters(request) -> dict[str, str]:
    return {
        "region": request.query_params.get("region", "").strip()[:100],
        "iscm_type": _choice(request, "iscm_type", Iscm.Type.values),
    }


class CampaignList(APIView):
    permission_classes = [DashboardReader]

    @extend_schema(summary="Campaigns", responses=CampaignSerializer(many=True), parameters=[FORMAT])
    def get(self, request, *args, **kwargs):
        return ApiResponse([selectors.campaign_row(campaign) for campaign in selectors.campaigns()])


class CampaignDetail(APIView):
    permission_classes = [DashboardReader]

    @extend_schema(summary="One campaign", responses=CampaignSerializer, parameters=[FORMAT])
    def get(self, request, slug: str, *args, **kwargs):
        return ApiResponse(selectors.campaign_row(_campaign(slug)))


class Aggregates(APIView):
    permission_classes = [DashboardReader]

    @extend_schema(
        summary="Aggregates of the choice questions (as export_aggregates)",
        responses=AggregateSerializer(many=True),
        parameters=[QUESTION, REGION, ISCM_TYPE, LANGUAGE, FORMAT],
    )
    def get(self, request, slug: str, *args, **kwargs):
        campaign = _campaign(slug)
        filters = _filters(request)
        language = _choice(request, "language", LANGUAGE_CODES) or "en"
        if selectors.figures_withheld(request.user, campaign, **filters):
            raise PermissionDenied(
                _(
                    "The figures of this selection are withheld: fewer than %(minimum)s ISCMs responded in it, "
                    "or comparing them with the figures of other selections would single out fewer than "
                    "%(minimum)s ISCMs."
                )
                % {"minimum": disclosure.minimum_respondents()}
            )
        with override(language):
            rows = selectors.aggregates(campaign, question=request.query_params.get("question", ""), **filters)
        return ApiResponse(rows)


class ResponseRates(APIView):
    permission_classes = [DashboardReader]

    @extend_schema(
        summary="Response rates by region and by ISCM type",
        responses=ResponseRateSerializer(many=True),
        parameters=[REGION, ISCM_TYPE, LANGUAGE, FORMAT],
    )
    def get(self, request, slug: str, *args, **kwargs):
        campaign = _campaign(slug)
        filters = _filters(request)
        with override(_choice(request, "language", LANGUAGE_CODES) or "en"):
            return ApiResponse(selectors.response_rates(campaign, **filters))


class Codebook(APIView):
    permission_classes = [DashboardReader]

    @extend_schema(
        summary="The questionnaire's codebook: every column of the responses, and every choice",
        responses=CodebookRowSerializer(many=True),
        parameters=[LANGUAGE, FORMAT],
    )
    def get(self, request, slug: str, *args, **kwargs):
        campaign = _campaign(slug)
        return ApiResponse(selectors.codebook(campaign, language=_choice(request, "language", LANGUAGE_CODES) or "en"))


class ResponsePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class Responses(GenericAPIView):
    """Submitted, returned and validated responses: coordinators get every ISCM, focal points their own."""

    permission_classes = [ResponseReader]
    pagination_class = ResponsePagination
    serializer_class = ResponseRowSerializer
    queryset = Response.objects.none()  # for the schema generator; get() asks the selector

    @extend_schema(
        summary="Responses, one flat object per ISCM (answers by question code)",
        responses=ResponseRowSerializer(many=True),
        parameters=[LABELS, FORMAT],
    )
    def get(self, request, slug: str, *args, **kwargs):
        campaign = _campaign(slug)
        labels = _choice(request, "labels", LANGUAGE_CODES) or None
        page = self.paginate_queryset(selectors.responses_for(request.user, campaign).only("pk"))
        responses = Response.objects.filter(pk__in=[response.pk for response in page])
        return self.get_paginated_response(selectors.response_rows(campaign, responses, labels=labels))
