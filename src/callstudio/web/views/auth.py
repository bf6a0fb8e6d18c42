from allauth.account.views import LoginView
from django.shortcuts import render


class ThrottledLoginView(LoginView):
    """allauth's login, answering 429 with Retry-After (not 200) once an account or address has
    too many failed attempts; the form still says why."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        codes = {e.code for errors in form.errors.as_data().values() for e in errors}
        if "too_many_login_attempts" in codes:
            response.status_code = 429
            response["Retry-After"] = "300"
        return response


def too_many_requests(request, exception=None):
    """allauth's other rate limits (sign-up, password reset, ...) end here."""
    response = render(
        request,
        "web/error.html",
        {
            "status": 429,
            "title": "Too many requests",
            "detail": "Too many attempts. Wait a minute and try again.",
        },
        status=429,
    )
    response["Retry-After"] = "60"
    return response
