"""Page URLs for contacts and companies."""

from django.urls import path

from rapport.contacts import views

urlpatterns = [
    path("contacts/", views.contact_list_view, name="contact-list"),
    path("contacts/new/", views.contact_create_view, name="contact-create"),
    path("contacts/<int:pk>/", views.contact_detail_view, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit_view, name="contact-edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete_view, name="contact-delete"),
    path("contacts/<int:pk>/consent/", views.contact_consent_view, name="contact-consent"),
    path("companies/", views.company_list_view, name="company-list"),
    path("companies/new/", views.company_create_view, name="company-create"),
    path("companies/<int:pk>/", views.company_detail_view, name="company-detail"),
    path("companies/<int:pk>/edit/", views.company_edit_view, name="company-edit"),
    path("companies/<int:pk>/delete/", views.company_delete_view, name="company-delete"),
]
