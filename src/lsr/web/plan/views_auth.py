"""Login, logout and the CSRF failure page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lsr.web.plan import audit


class LoginView(auth_views.LoginView):
    template_name = "plan/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]  # noqa: RUF012 - Django attribute


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    audit.denied(request, f"CSRF check failed: {reason}")
    return render(request, "plan/csrf_failure.html", {"reason": reason}, status=403)
