"""Django admin: the audit trail is read-only (no add, change or delete)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lsr.web.plan import models


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_username", "kind", "model", "object_id", "review_id")
    list_filter = ("kind", "model")
    search_fields = ("actor_username", "object_id", "detail")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for model in (models.Organisation, models.Review, models.Profile, models.Theme):
    admin.site.register(model)
