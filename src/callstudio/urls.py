from django.urls import include, path

from callstudio.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("callstudio.web.urls")),
]
