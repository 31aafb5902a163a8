"""Django admin. Every change made here is audited as changes made in the application are
(who, what, when, before and after, in the same transaction), including many-to-many changes
(a profile's reviews) and password changes (recorded as such, never the hash). The audit
trail itself is read-only (no add, change or delete)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import models as db_models
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from lsr.web.plan import audit, models
from lsr.web.plan.forms import CleanTextMixin

DETAIL = "in the admin"


def _with_m2m(instance: db_models.Model) -> dict[str, Any] | None:
    """The audit snapshot plus each many-to-many field's ids."""
    data = audit.snapshot(instance)
    if data is None or instance.pk is None:
        return data
    for field in instance._meta.many_to_many:
        data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


class AuditedAdmin(admin.ModelAdmin):
    """Audits additions, changes (fields and many-to-many) and deletions made in the admin.
    Its forms follow the text rules of the application's forms (``forms.CleanTextMixin``:
    control characters refused, naming the field), users' and groups' forms included."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (CleanTextMixin, form), {})

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        with transaction.atomic():
            before = None
            if object_id is not None and request.method == "POST":
                current = self.get_object(request, unquote(object_id))
                before = _with_m2m(current) if current is not None else None
            request._lsr_audit_before = before  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, "_lsr_audit_before", None)
        if change:
            audit.record(
                request.user, models.AuditEvent.Kind.UPDATE, obj, before, _with_m2m(obj), DETAIL
            )
        else:
            audit.record(
                request.user, models.AuditEvent.Kind.CREATE, obj, None, _with_m2m(obj), DETAIL
            )

    def delete_model(self, request: HttpRequest, obj: db_models.Model) -> None:
        before = _with_m2m(obj)
        with transaction.atomic():
            super().delete_model(request, obj)
            obj.pk = before["id"] if before else obj.pk
            audit.deleted(request.user, obj, before, DETAIL)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in list(queryset):
                self.delete_model(request, obj)


class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            old_hash = getattr(user, "password", None)
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                user.refresh_from_db()
                if user.password != old_hash:
                    snap = _with_m2m(user)
                    audit.record(
                        request.user,
                        models.AuditEvent.Kind.UPDATE,
                        user,
                        snap,
                        snap,
                        f"password changed {DETAIL}",
                    )
            return response


class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


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
    admin.site.register(model, AuditedAdmin)

admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AuditedUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, AuditedGroupAdmin)
