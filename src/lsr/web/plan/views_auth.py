"""Login, logout and the CSRF failure page.

Every password login goes through :data:`login` (the admin's login page too, see
``lsr.web.urls``): a locked-out account or address gets the lockout page without a password
check (``lsr.web.plan.throttle``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lsr.web.plan import audit, throttle


class LoginView(auth_views.LoginView):
    template_name = "plan/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # A new installation: nobody can log in until the operator creates an administrator.
        context["no_accounts"] = not get_user_model().objects.exists()
        return context


login = throttle.refuse_when_locked_out(LoginView.as_view())


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]  # noqa: RUF012 - Django attribute


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    audit.denied(request, f"CSRF check failed: {reason}")
    return render(request, "plan/csrf_failure.html", {"reason": reason}, status=403)
