"""The Django admin for admins: the registry, people, questionnaires (read-only once published),
campaigns and responses shown as answers, not raw rows."""

from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .csv_io import responses_export_response
from .models import (
    Campaign,
    Choice,
    ChoiceList,
    DeferredTask,
    Invitation,
    Iscm,
    Membership,
    Profile,
    Question,
    Questionnaire,
    Reminder,
    Response,
    ResponseEvent,
    Section,
)
from .schema import questionnaire_schema
from .selectors import response_answers
from .services import questionnaire_new_version, response_delete, responses_delete
from .services_publish import PublishRefused, questionnaire_publish
from .xlsx_io import selected_workbook_response


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Iscm)
class IscmAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "type", "region", "founded", "active"]
    list_filter = ["type", "region", "active"]
    search_fields = ["acronym", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "iscm", "role", "created_at"]
    list_filter = ["iscm__region", "iscm"]
    search_fields = ["user__username", "user__email", "iscm__acronym"]
    autocomplete_fields = ["user", "iscm"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
    search_fields = ["user__username"]


class ListChoiceInline(admin.TabularInline):
    model = Choice
    fk_name = "choice_list"
    fields = ["position", "code", "label_en", "label_fr", "label_es", "label_ar", "description_en"]
    extra = 0

    def has_delete_permission(self, request, obj=None):
        # a choice of a list that a published version uses may be answered: never removed (it may grow)
        used = obj is not None and Question.objects.filter(choice_list=obj, questionnaire__status="published")
        if used and used.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ChoiceList)
class ChoiceListAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    inlines = [ListChoiceInline]


class LockedWhenPublishedMixin:
    """Published questionnaires are frozen: inlines and forms become read-only."""

    def _locked(self, request, obj) -> bool:
        questionnaire = obj if isinstance(obj, Questionnaire) else getattr(obj, "questionnaire", None)
        return bool(questionnaire and questionnaire.is_locked)

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._locked(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        # ModelAdmin passes (request); inlines pass (request, parent object)
        if args and args[0] is not None and self._locked(request, args[0]):
            return False
        return super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._locked(request, obj):
            return False
        return super().has_delete_permission(request, obj)


class SectionInline(LockedWhenPublishedMixin, admin.StackedInline):
    model = Section
    extra = 0
    fields = ["position", "title_en", "title_fr", "title_es", "title_ar"]


class SameVersionChoicesMixin:
    """A question's section and condition are picked among those of its own questionnaire version:
    the admin once let a question of version 3 be put into a section of the published version 1."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        questionnaire_id = self._questionnaire_id(request)
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(questionnaire_id=questionnaire_id)
        elif db_field.name == "show_if_question":
            kwargs["queryset"] = Question.objects.filter(questionnaire_id=questionnaire_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _questionnaire_id(self, request) -> int | None:
        """The questionnaire of the page: the one being changed, or the question's."""
        match = request.resolver_match
        object_id = match.kwargs.get("object_id") if match else None
        if object_id is None:
            return None
        if match.url_name.startswith("questionnaires_questionnaire_"):
            return int(object_id)
        return Question.objects.filter(pk=object_id).values_list("questionnaire_id", flat=True).first()


class QuestionInline(SameVersionChoicesMixin, LockedWhenPublishedMixin, admin.StackedInline):
    model = Question
    extra = 0
    fields = [
        ("section", "position", "code", "type"),
        ("label_en", "help_en"),
        ("required", "max_choices", "max_length", "choice_list"),
        ("show_if_question", "show_if_values"),
        ("item_of", "min_items", "max_items", "practice_role"),
    ]
    show_change_link = True


@admin.register(Questionnaire)
class QuestionnaireAdmin(LockedWhenPublishedMixin, admin.ModelAdmin):
    list_display = ["title_en", "slug", "version", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["slug", "title_en"]
    inlines = [SectionInline, QuestionInline]
    actions = ["new_version", "publish"]
    # Published only through the check (the action below or the coordinator's publish page).
    readonly_fields = ["status", "published_at"]

    @admin.action(description=_("Publish the selected drafts (after the publish check)"))
    def publish(self, request, queryset):
        for questionnaire in queryset.filter(status=Questionnaire.Status.DRAFT):
            try:
                questionnaire_publish(questionnaire=questionnaire)
            except PublishRefused as refused:
                listed = "; ".join(f"{problem.where}: {problem.message}" for problem in refused.problems[:10])
                self.message_user(request, f"{questionnaire}: {refused} {listed}", messages.ERROR)
            else:
                self.message_user(request, _("Published %(title)s.") % {"title": questionnaire}, messages.SUCCESS)

    @admin.action(description=_("Make a new draft version of the selected questionnaires"))
    def new_version(self, request, queryset):
        for questionnaire in queryset:
            copy = questionnaire_new_version(questionnaire=questionnaire)
            self.message_user(request, _("Created %(title)s.") % {"title": copy}, messages.SUCCESS)


class OwnChoiceInline(LockedWhenPublishedMixin, admin.TabularInline):
    model = Choice
    fk_name = "question"
    fields = ["position", "code", "label_en", "label_fr", "label_es", "label_ar", "description_en"]
    extra = 0


@admin.register(Question)
class QuestionAdmin(SameVersionChoicesMixin, LockedWhenPublishedMixin, admin.ModelAdmin):
    list_display = ["code", "questionnaire", "type", "required"]
    list_filter = ["questionnaire", "type"]
    search_fields = ["code", "label_en"]
    inlines = [OwnChoiceInline]

    def has_add_permission(self, request, *args):
        return False  # a question is added on its questionnaire's page, in one of its sections

    def get_readonly_fields(self, request, obj=None):
        # a question never moves to another questionnaire version
        return [*super().get_readonly_fields(request, obj), "questionnaire"]


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    autocomplete_fields = ["iscm"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title_en", "slug", "questionnaire", "opens_at", "closes_at", "status_display"]
    search_fields = ["slug", "title_en"]
    date_hierarchy = "opens_at"
    inlines = [InvitationInline]

    @admin.display(description=_("Status"))
    def status_display(self, obj):
        return obj.get_status_display() if hasattr(obj, "get_status_display") else obj.status

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "questionnaire":
            kwargs["queryset"] = Questionnaire.objects.filter(status=Questionnaire.Status.PUBLISHED)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["campaign", "iscm", "days_before", "sent_at", "sent_by"]
    list_filter = ["campaign", "days_before"]


class ResponseEventInline(admin.TabularInline):
    model = ResponseEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "user", "version", "status", "changes", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["iscm", "campaign", "status", "submitted_at", "updated_at"]
    list_filter = ["campaign", "status", "iscm__region", "iscm__type"]
    search_fields = ["iscm__acronym", "iscm__name"]
    readonly_fields = [
        "campaign",
        "iscm",
        "status",
        "version",
        "language",
        "submitted_at",
        "submitted_by",
        "updated_at",
        "updated_by",
        "review_comment",
        "answers_table",
    ]
    exclude = []
    inlines = [ResponseEventInline]
    actions = ["export_selected", "export_selected_xlsx"]

    def has_add_permission(self, request):
        # Answers enter through the form or the import, which validate them.
        return False

    # Deletes go through the services, so the figures that counted the response are marked stale.
    def delete_model(self, request, obj):
        response_delete(response=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        responses_delete(responses=queryset, user=request.user)

    @admin.display(description=_("Answers"))
    def answers_table(self, obj):
        schema = questionnaire_schema(obj.campaign.questionnaire)
        answers = response_answers(obj, schema)
        rows = []
        for code, question in schema.questions.items():
            shown = schema.answer_display(code, answers.get(code))
            text = "; ".join(shown) if isinstance(shown, list) else shown
            rows.append((code, question.label_in("en"), text or "—"))
        return format_html_join(
            "",
            '<div style="margin-bottom:.5em"><strong>{}</strong> {}<br><span style="white-space:pre-wrap">{}</span>'
            "</div>",
            rows,
        )

    @admin.action(description=_("Export selected responses (CSV)"))
    def export_selected(self, request, queryset):
        try:
            return responses_export_response(queryset, user=request.user)
        except ValueError as error:  # empty selection, or responses of several campaigns
            self.message_user(request, str(error), messages.ERROR)
            return None

    @admin.action(description=_("Export selected responses (Excel workbook)"))
    def export_selected_xlsx(self, request, queryset):
        try:
            return selected_workbook_response(queryset, user=request.user)
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None


@admin.register(DeferredTask)
class DeferredTaskAdmin(admin.ModelAdmin):
    """Tasks (e-mails) kept while the broker was down; published again every minute by the beat."""

    list_display = ["task_name", "args", "created_at", "attempts"]
    readonly_fields = ["task_name", "args", "created_at", "attempts"]
