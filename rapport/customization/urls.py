from django.urls import path

from rapport.customization import views, views_rules

urlpatterns = [
    path("settings/fields/", views.custom_field_list, name="custom-field-list"),
    path("settings/fields/new/", views.custom_field_create_view, name="custom-field-create"),
    path("settings/fields/<int:pk>/", views.custom_field_edit_view, name="custom-field-edit"),
    path("settings/fields/<int:pk>/delete/", views.custom_field_delete_view, name="custom-field-delete"),
    path("settings/rules/", views_rules.validation_rule_list, name="validation-rule-list"),
    path("settings/rules/new/", views_rules.validation_rule_create_view, name="validation-rule-create"),
    path("settings/rules/<int:pk>/", views_rules.validation_rule_edit_view, name="validation-rule-edit"),
    path("settings/rules/<int:pk>/toggle/", views_rules.validation_rule_toggle_view, name="validation-rule-toggle"),
    path("settings/rules/<int:pk>/delete/", views_rules.validation_rule_delete_view, name="validation-rule-delete"),
]
