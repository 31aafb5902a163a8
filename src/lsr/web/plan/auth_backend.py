"""Authentication backend: Django's ``ModelBackend`` (passwords, ``is_active``, permissions),
loading a session's user together with its profile and organisation in one query.

Every request reads the logged-in user; the pages then need the user's role and organisation
(:func:`lsr.web.plan.permissions.profile_of`). Joining them here saves a query per request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("lsr_profile__organisation").get(
                pk=user_id
            )
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
