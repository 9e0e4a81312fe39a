"""Page URLs for duplicate contacts and merging."""

from django.urls import path

from rapport.contacts import views_duplicates as views

urlpatterns = [
    path("contacts/duplicates/", views.duplicate_list_view, name="duplicate-list"),
    path("contacts/duplicates/scan/", views.duplicate_scan_view, name="duplicate-scan"),
    path("contacts/duplicates/scan/progress/", views.duplicate_scan_progress_view, name="duplicate-scan-progress"),
    path("contacts/duplicates/dismiss/", views.duplicate_dismiss_view, name="duplicate-dismiss"),
    path("contacts/duplicates/check/", views.duplicate_check_view, name="duplicate-check"),
    path("contacts/<int:pk>/merge/<int:other>/", views.contact_merge_view, name="contact-merge"),
    path("contacts/merges/<int:pk>/", views.contact_merge_detail_view, name="contact-merge-detail"),
    path("contacts/merges/<int:pk>/undo/", views.contact_merge_undo_view, name="contact-merge-undo"),
]
