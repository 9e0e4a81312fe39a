"""Lead pages: list, create, detail, edit, qualify, disqualify, convert and attach."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.activities.models import TimelineEvent
from rapport.contacts.models import Company, Contact
from rapport.sales.models import Deal, Lead
from tests.factories import make_company, make_contact, make_deal, make_lead


@pytest.fixture
def lead(teammate, pipeline):
    company = make_company(by=teammate, name="Acme GmbH", domain="acme.example")
    contact = make_contact(by=teammate, first_name="Ada", last_name="Kern", emails=["ada@acme.example"],
                           company=company)
    return make_lead(by=teammate, contact=contact, need="40 licences")


def test_lead_list_shows_only_visible_leads(client_for, teammate, outsider, lead):
    theirs = make_lead(by=outsider, need="Secret need")
    response = client_for(teammate).get(reverse("lead-list"))
    assert response.status_code == 200
    rows = response.context["page"].rows
    assert [r.pk for r in rows] == [lead.pk]
    assert "Secret need" not in response.content.decode()
    assert theirs.pk not in [r.pk for r in rows]


def test_lead_list_open_status_filter_hides_converted_and_disqualified(client_for, teammate, lead):
    lost = make_lead(by=teammate, need="Wrong market")
    client = client_for(teammate)
    client.post(reverse("lead-disqualify", args=[lost.pk]), {"reason": "Wrong market"})
    response = client.get(reverse("lead-list"), {"status": "open"})
    assert [r.pk for r in response.context["page"].rows] == [lead.pk]


def test_lead_list_bad_filter_is_a_sentence_and_400(client_for, teammate, lead):
    response = client_for(teammate).get(reverse("lead-list"), {"status": "bogus"})
    assert response.status_code == 400
    assert "Use one of open, new" in response.content.decode()


def test_lead_list_pages_without_count(client_for, teammate, pipeline, django_assert_max_num_queries):
    for _ in range(3):
        make_lead(by=teammate)
    client = client_for(teammate)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("lead-list"))
    for _ in range(30):
        make_lead(by=teammate)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("lead-list"))
    assert len(response.context["page"].rows) == 33
    assert not any("COUNT(" in q["sql"].upper() for q in few.captured_queries if '"sales_lead"' in q["sql"])


def test_outsider_gets_404_on_lead_pages(client_for, outsider, lead):
    client = client_for(outsider)
    for name in ("lead-detail", "lead-edit", "lead-convert", "lead-attach"):
        assert client.get(reverse(name, args=[lead.pk])).status_code == 404
    assert client.post(reverse("lead-disqualify", args=[lead.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("lead-qualify", args=[lead.pk])).status_code == 404
    lead.refresh_from_db()
    assert lead.status == "new"


def test_create_lead_for_new_person_reuses_contact_matched_by_email(client_for, teammate, lead):
    contacts_before = Contact.objects.count()
    response = client_for(teammate).post(reverse("lead-create"), {
        "contact": "", "first_name": "Ada", "last_name": "Kern", "email": "ADA@acme.example",
        "source": "event", "status": "new", "need": "Renewal", "owner": teammate.pk})
    assert response.status_code == 302
    created = Lead.objects.get(need="Renewal")
    assert created.contact_id == lead.contact_id
    assert Contact.objects.count() == contacts_before
    assert created.source == "event"


def test_create_lead_for_new_person_creates_contact(client_for, teammate, pipeline):
    response = client_for(teammate).post(reverse("lead-create"), {
        "first_name": "Bo", "last_name": "Lind", "email": "bo@lind.example", "company_name": "Lind AB",
        "source": "manual", "status": "new", "need": "CRM"})
    assert response.status_code == 302
    created = Lead.objects.get(need="CRM")
    assert created.contact.email == "bo@lind.example"
    assert created.company.name == "Lind AB"


def test_create_lead_without_person_is_refused_with_a_sentence(client_for, teammate, pipeline):
    count = Lead.objects.count()
    response = client_for(teammate).post(reverse("lead-create"), {"source": "manual", "status": "new"})
    assert response.status_code == 400
    assert "enter the new person" in response.content.decode()
    assert Lead.objects.count() == count


def test_create_lead_with_someone_elses_contact_is_refused(client_for, teammate, outsider, pipeline):
    theirs = make_contact(by=outsider)
    response = client_for(teammate).post(reverse("lead-create"), {"contact": theirs.pk, "source": "manual",
                                                                  "status": "new"})
    assert response.status_code == 400
    assert "Choose a contact you can see" in response.content.decode()
    assert not Lead.objects.filter(contact=theirs).exists()


def test_lead_detail_shows_contact_company_and_timeline(client_for, teammate, lead):
    response = client_for(teammate).get(reverse("lead-detail", args=[lead.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ada Kern" in body and "Acme GmbH" in body and "40 licences" in body
    assert "Lead created" in body
    assert 'name="kind" value="call"' in body  # the log-an-activity forms


def test_disqualify_without_reason_is_refused(client_for, teammate, lead):
    response = client_for(teammate).post(reverse("lead-disqualify", args=[lead.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert "Say why the lead is disqualified" in response.content.decode()
    lead.refresh_from_db()
    assert lead.status == "new"


def test_disqualify_with_reason_records_it(client_for, teammate, lead):
    response = client_for(teammate).post(reverse("lead-disqualify", args=[lead.pk]), {"reason": "No budget"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.disqualified_reason) == ("disqualified", "No budget")


def test_qualify_marks_lead_qualified(client_for, teammate, lead):
    client_for(teammate).post(reverse("lead-qualify", args=[lead.pk]))
    lead.refresh_from_db()
    assert lead.status == "qualified"


def test_stale_lead_edit_shows_the_conflict(client_for, teammate, lead):
    client = client_for(teammate)
    old_version = lead.version
    form = {"source": "manual", "status": "working", "score": "5", "need": "Changed first", "owner": teammate.pk,
            "version": old_version}
    assert client.post(reverse("lead-edit", args=[lead.pk]), form).status_code == 302
    response = client.post(reverse("lead-edit", args=[lead.pk]), {**form, "need": "Second edit"})
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    lead.refresh_from_db()
    assert lead.need == "Changed first"


def test_convert_creates_one_deal_without_duplicate_contact_or_company(client_for, teammate, pipeline, lead):
    contacts, companies = Contact.objects.count(), Company.objects.count()
    response = client_for(teammate).post(reverse("lead-convert", args=[lead.pk]), {
        "pipeline": pipeline.pk, "deal_name": "Acme licences", "amount": "12000", "currency": "EUR",
        "expected_close_date": "2030-06-30"})
    deal = Deal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("deal-detail", args=[deal.pk])
    assert (deal.name, deal.amount, deal.contact_id, deal.company.name) == (
        "Acme licences", 12000, lead.contact_id, "Acme GmbH")
    assert (Contact.objects.count(), Company.objects.count()) == (contacts, companies)
    lead.refresh_from_db()
    assert (lead.status, lead.deal_id) == ("converted", deal.pk)
    again = client_for(teammate).post(reverse("lead-convert", args=[lead.pk]), {"pipeline": pipeline.pk})
    assert again.status_code == 302 and Deal.objects.count() == 1


def test_convert_with_bad_amount_writes_nothing(client_for, teammate, pipeline, lead):
    response = client_for(teammate).post(reverse("lead-convert", args=[lead.pk]), {
        "pipeline": pipeline.pk, "amount": "-5"})
    assert response.status_code == 400
    assert "The amount cannot be negative." in response.content.decode()
    assert Deal.objects.count() == 0


def test_attach_lead_to_existing_deal(client_for, teammate, pipeline, lead):
    deal = make_deal(by=teammate, pipeline=pipeline, company=lead.company)
    client = client_for(teammate)
    page = client.get(reverse("lead-attach", args=[lead.pk]))
    assert deal in page.context["deals"]
    response = client.post(reverse("lead-attach", args=[lead.pk]), {"deal": deal.pk})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.deal_id) == ("converted", deal.pk)
    assert TimelineEvent.objects.filter(kind="lead_attached", deal=deal).count() == 1


def test_attach_to_someone_elses_deal_is_refused(client_for, teammate, outsider, pipeline, lead):
    theirs = make_deal(by=outsider, pipeline=pipeline)
    response = client_for(teammate).post(reverse("lead-attach", args=[lead.pk]), {"deal": theirs.pk})
    assert response.status_code == 400
    assert "Choose a deal you may change" in response.content.decode()
    lead.refresh_from_db()
    assert lead.deal_id is None
