from django.urls import include, path

from callstudio.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("scim/v2/", include("callstudio.scim.urls")),
    path("", include("callstudio.web.urls")),
]

# allauth's rate limits answer through this (429 with Retry-After).
handler429 = "callstudio.web.views.auth.too_many_requests"
