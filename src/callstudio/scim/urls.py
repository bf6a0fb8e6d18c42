"""/scim/v2/{org}/...: included by callstudio/urls.py. Any other path under the base is a
SCIM 404 (a client learns the endpoint does not exist, in a body it can read)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:org_id>/ServiceProviderConfig", views.service_provider_config),
    path("<str:org_id>/ResourceTypes", views.resource_types),
    path("<str:org_id>/ResourceTypes/<str:name>", views.resource_types),
    path("<str:org_id>/Schemas", views.schemas),
    path("<str:org_id>/Schemas/<str:schema_id>", views.schemas),
    path("<str:org_id>/Users", views.users_collection),
    path("<str:org_id>/Users/.search", views.users_search),
    path("<str:org_id>/Users/<str:account_id>", views.user_detail),
    path("<str:org_id>/Groups", views.groups_collection),
    path("<str:org_id>/Groups/.search", views.groups_search),
    path("<str:org_id>/Groups/<str:team_id>", views.group_detail),
    path("<str:org_id>/.search", views.search_all),
    path("<str:org_id>/<path:rest>", views.not_found),
]
