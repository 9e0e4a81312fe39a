"""Page URLs for duplicate contacts and companies, and merging."""

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
    path("companies/duplicates/dismiss/", views.company_duplicate_dismiss_view, name="company-duplicate-dismiss"),
    path("companies/duplicates/check/", views.company_duplicate_check_view, name="company-duplicate-check"),
    path("companies/<int:pk>/merge/<int:other>/", views.company_merge_view, name="company-merge"),
    path("companies/merges/<int:pk>/", views.company_merge_detail_view, name="company-merge-detail"),
    path("companies/merges/<int:pk>/undo/", views.company_merge_undo_view, name="company-merge-undo"),
]
