from django.contrib import admin

from .models import Practice


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ("title", "iscm", "campaign", "year", "published_at")
    list_filter = ("campaign", "iscm__region", "language")
    search_fields = ("title", "description")
    raw_id_fields = ("source_answer",)
    filter_horizontal = ("gcm_objectives", "sdgs")
