from django.urls import path

from rapport.customization import views

urlpatterns = [
    path("settings/fields/", views.custom_field_list, name="custom-field-list"),
    path("settings/fields/new/", views.custom_field_create_view, name="custom-field-create"),
    path("settings/fields/<int:pk>/", views.custom_field_edit_view, name="custom-field-edit"),
    path("settings/fields/<int:pk>/delete/", views.custom_field_delete_view, name="custom-field-delete"),
]
