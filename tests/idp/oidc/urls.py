from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("allauth.idp.urls")),
    path("accounts/", include("allauth.urls")),
    path("judge/setup", views.setup),
]
