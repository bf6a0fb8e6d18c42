from django.urls import include, path

from .views import (
    analytics,
    auth,
    calls,
    health,
    home,
    keys,
    org,
    profile,
    roles,
    rules,
    sessions,
    teams,
)

org_urls = [
    path("", home.org_home, name="org_home"),
    path("teams/new", home.team_create, name="team_create"),
    path("organization", org.organization, name="organization"),
    path("members", org.members, name="org_members"),
    path("members/add", org.member_add, name="org_member_add"),
    path("members/<str:account_id>/role", org.member_role, name="org_member_role"),
    path("members/<str:account_id>/revoke", org.member_revoke, name="org_member_revoke"),
    path("members/<str:account_id>/restore", org.member_restore, name="org_member_restore"),
    path("members/<str:account_id>/restored", org.member_restored, name="org_member_restored"),
    path("roles", roles.roles, name="roles"),
    path("roles/new", roles.role_edit, name="role_create"),
    path("roles/<str:role_id>/edit", roles.role_edit, name="role_edit"),
    path("roles/<str:role_id>/delete", roles.role_delete, name="role_delete"),
    path("audit-log", roles.audit_log, name="audit_log"),
    path("api-keys", keys.api_keys, name="api_keys"),
    path("api-keys/<str:key_id>/revoke", keys.api_key_revoke, name="api_key_revoke"),
    path("teams/<str:team_id>/", teams.overview, name="team"),
    path("teams/<str:team_id>/calls", calls.calls, name="team_calls"),
    path("teams/<str:team_id>/calls/<str:call_id>", calls.call_detail, name="call_detail"),
    path(
        "teams/<str:team_id>/calls/<str:call_id>/archive", calls.call_archive, name="call_archive"
    ),
    path("analytics", analytics.overview, name="org_analytics"),
    path("teams/<str:team_id>/analytics", analytics.analytics, name="team_analytics"),
    path(
        "teams/<str:team_id>/analytics/calls.csv",
        analytics.export_calls,
        name="team_export_calls",
    ),
    path(
        "teams/<str:team_id>/analytics/figures.csv",
        analytics.export_figures,
        name="team_export_figures",
    ),
    path("teams/<str:team_id>/members", teams.members, name="team_members"),
    path("teams/<str:team_id>/members/add", teams.member_add, name="team_member_add"),
    path(
        "teams/<str:team_id>/members/<str:account_id>/role",
        teams.member_role,
        name="team_member_role",
    ),
    path(
        "teams/<str:team_id>/members/<str:account_id>/agent-id",
        teams.member_agent_id,
        name="team_member_agent_id",
    ),
    path(
        "teams/<str:team_id>/members/<str:account_id>/revoke",
        teams.member_revoke,
        name="team_member_revoke",
    ),
    path("teams/<str:team_id>/alerts", rules.alerts, name="team_alerts"),
    path(
        "teams/<str:team_id>/alerts/<str:alert_id>/acknowledge",
        rules.alert_status,
        {"status": "acknowledged"},
        name="alert_acknowledge",
    ),
    path(
        "teams/<str:team_id>/alerts/<str:alert_id>/resolve",
        rules.alert_status,
        {"status": "resolved"},
        name="alert_resolve",
    ),
    path("teams/<str:team_id>/alert-rules/new", rules.alert_rule_edit, name="alert_rule_create"),
    path(
        "teams/<str:team_id>/alert-rules/<str:rule_id>/edit",
        rules.alert_rule_edit,
        name="alert_rule_edit",
    ),
    path(
        "teams/<str:team_id>/alert-rules/<str:rule_id>/delete",
        rules.alert_rule_delete,
        name="alert_rule_delete",
    ),
    path("teams/<str:team_id>/automations", rules.automations, name="team_automations"),
    path("teams/<str:team_id>/automations/new", rules.automation_edit, name="automation_create"),
    path(
        "teams/<str:team_id>/automations/<str:automation_id>/edit",
        rules.automation_edit,
        name="automation_edit",
    ),
    path(
        "teams/<str:team_id>/automations/<str:automation_id>/delete",
        rules.automation_delete,
        name="automation_delete",
    ),
    path("teams/<str:team_id>/settings", teams.settings, name="team_settings"),
    path(
        "teams/<str:team_id>/settings/rotate-workflow-id",
        teams.rotate_workflow_id,
        name="team_rotate",
    ),
    path("teams/<str:team_id>/settings/archive", teams.archive, name="team_archive"),
    path("teams/<str:team_id>/settings/unarchive", teams.unarchive, name="team_unarchive"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("welcome", home.onboarding, name="onboarding"),
    path("profile", profile.profile, name="profile"),
    path("profile/tokens/<str:token_id>/revoke", profile.token_revoke, name="token_revoke"),
    path("profile/sessions", sessions.sessions, name="sessions"),
    path(
        "profile/sessions/<str:session_id>/revoke", sessions.session_revoke, name="session_revoke"
    ),
    path(
        "profile/sessions/revoke-others",
        sessions.sessions_revoke_others,
        name="sessions_revoke_others",
    ),
    path("profile/activity", sessions.activity, name="activity"),
    path("accounts/login/", auth.ThrottledLoginView.as_view(), name="account_login"),
    path("accounts/signup/", auth.SignupView.as_view(), name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("o/<str:org_id>/", include(org_urls)),
]
