"""The error page (web/error.html) with its status, for the middleware and the views."""

from django.shortcuts import render


def error_page(request, status: int, title: str, detail: str, *, retry_after: int | None = None):
    response = render(
        request,
        "web/error.html",
        {"status": status, "title": title, "detail": detail},
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
