from django.urls import path

from rapport.imports import views

urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/configure/", views.import_configure, name="import-configure"),
    path("imports/<int:pk>/values/", views.import_values, name="import-values"),
    path("imports/<int:pk>/edit/", views.import_edit, name="import-edit"),
    path("imports/<int:pk>/check-again/", views.import_recheck, name="import-recheck"),
    path("imports/<int:pk>/start/", views.import_begin, name="import-start"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/<int:pk>/rejected.csv", views.import_rejected, name="import-rejected"),
    path("imports/<int:pk>/undo/", views.import_undo_view, name="import-undo"),
    path("imports/<int:pk>/delete/", views.import_delete, name="import-delete"),
]
