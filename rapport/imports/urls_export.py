"""Export URLs: export-<list> (CSV) and export-<list>-xlsx take the list page's query string."""

from django.urls import path

from rapport.imports import views_export as views
from rapport.imports.services.export import ENTITIES

urlpatterns = [
    path("export/", views.export_home, name="export-home"),
    path("export/contacts.vcf", views.export_contacts_vcard, name="export-contacts-vcf"),
    path("export/meetings.ics", views.export_meetings, name="export-meetings"),
    path("contacts/<int:pk>/vcard.vcf", views.contact_vcard, name="contact-vcard"),
    path("import/vcard/", views.vcard_import_view, name="vcard-import"),
]
for _entity in ENTITIES:
    urlpatterns += [
        path(f"export/{_entity}.csv", views.export_list, {"entity": _entity, "fmt": "csv"}, name=f"export-{_entity}"),
        path(f"export/{_entity}.xlsx", views.export_list, {"entity": _entity, "fmt": "xlsx"},
             name=f"export-{_entity}-xlsx"),
    ]
