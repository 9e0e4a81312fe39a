from django.urls import path

from rapport.accounts import views

urlpatterns = [
    path("settings/users/", views.user_list, name="user-list"),
    path("settings/users/new/", views.user_create_view, name="user-create"),
    path("settings/users/<int:pk>/", views.user_edit_view, name="user-edit"),
    path("settings/teams/new/", views.team_create_view, name="team-create"),
    path("settings/teams/<int:pk>/sharing/", views.team_toggle_view, name="team-toggle"),
    path("settings/tokens/", views.api_token_list, name="api-token-list"),
    path("settings/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api-token-revoke"),
]
