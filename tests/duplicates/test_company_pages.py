"""Pages of company duplicates: the Companies tab, merge side by side, detail with undo, on-entry warnings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.contacts.duplicate_scan import duplicate_scan_start
from rapport.contacts.models import Company, CompanyDuplicateDismissal, CompanyMergeRecord
from tests.factories import make_company, make_contact


@pytest.fixture
def twins(teammate):
    return (
        make_company(by=teammate, name="Acme Robotics GmbH", domain="acme.de", city="Berlin"),
        make_company(by=teammate, name="ACME Robotics", domain="acme.de", city="Berlin"),
    )


def test_companies_tab_lists_pairs_with_reasons_and_merge_links(client_for, teammate, twins):
    duplicate_scan_start(by=teammate)
    page = client_for(teammate).get(reverse("duplicate-list") + "?tab=companies").content.decode()
    assert "Why: same domain; same name; same city" in page
    assert f"/companies/{twins[0].pk}/merge/{twins[1].pk}/" in page
    assert "Companies (1)" in page and "People (0)" in page
    people = client_for(teammate).get(reverse("duplicate-list")).content.decode()
    assert "Why: same domain" not in people


def test_dismissing_a_company_pair_hides_it(client_for, teammate, twins):
    duplicate_scan_start(by=teammate)
    client = client_for(teammate)
    response = client.post(
        reverse("company-duplicate-dismiss"), {"first": twins[0].pk, "second": twins[1].pk}, follow=True
    )
    assert "are marked as different companies" in response.content.decode()
    assert CompanyDuplicateDismissal.objects.count() == 1
    assert "Why:" not in client.get(reverse("duplicate-list") + "?tab=companies").content.decode()


def test_merge_page_picks_values_merges_and_undo_brings_the_loser_back(client_for, teammate, twins):
    make_contact(by=teammate, company=twins[1])
    client = client_for(teammate)
    url = reverse("company-merge", args=[twins[0].pk, twins[1].pk])
    page = client.get(url).content.decode()
    assert "Merge two companies" in page
    assert 'name="name" value="loser"' in page and "ACME Robotics" in page
    assert "1 contact, " in page and "1 contacts" not in page
    response = client.post(url, {"name": "loser", "survivor_version": 1, "loser_version": 1})
    merge = CompanyMergeRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/companies/merges/{merge.pk}/"
    assert Company.objects.get(pk=twins[0].pk).name == "ACME Robotics"
    detail = client.get(response["Location"]).content.decode()
    assert "Undo merge" in detail and "<li>1 contact</li>" in detail
    undo = client.post(reverse("company-merge-undo", args=[merge.pk]))
    assert undo.status_code == 302 and undo["Location"] == f"/companies/{twins[1].pk}/"
    assert Company.objects.filter(pk=twins[1].pk).exists()
    assert Company.objects.get(pk=twins[0].pk).name == "Acme Robotics GmbH"


def test_merging_a_company_with_itself_is_a_sentence(client_for, teammate, twins):
    response = client_for(teammate).get(reverse("company-merge", args=[twins[0].pk, twins[0].pk]))
    assert response.status_code == 422
    assert (
        "A company cannot be merged with itself; pick two different companies." in response.content.decode()
    )


def test_outsider_gets_404_on_merge_pages(client_for, teammate, outsider, twins):
    client = client_for(outsider)
    url = reverse("company-merge", args=[twins[0].pk, twins[1].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    theirs = make_company(by=outsider, name="Acme AG")
    assert (
        client_for(teammate).get(reverse("company-merge", args=[twins[0].pk, theirs.pk])).status_code == 404
    )
    from rapport.contacts.company_merge import company_merge

    merge = company_merge(survivor=twins[0], loser=twins[1], by=teammate)
    assert client.get(reverse("company-merge-detail", args=[merge.pk])).status_code == 404
    assert client.post(reverse("company-merge-undo", args=[merge.pk])).status_code == 404
    assert CompanyMergeRecord.objects.get().undone_at is None


def test_company_form_warns_about_a_possible_duplicate_while_typing(client_for, teammate, twins):
    client = client_for(teammate)
    form = client.get(reverse("company-create")).content.decode()
    assert f'hx-get="{reverse("company-duplicate-check")}"' in form
    assert 'id="possible-duplicates"' in form
    response = client.get(reverse("company-duplicate-check"), {"name": "Acme Robotics", "domain": "acme.de"})
    page = response.content.decode()
    assert "Possible duplicate of" in page and f'href="/companies/{twins[0].pk}/"' in page
    assert "same domain; same name" in page
    edit = client.get(reverse("company-duplicate-check"), {"name": "Zeta Corp", "exclude": twins[0].pk})
    assert "Possible duplicate" not in edit.content.decode()


def test_contact_form_asks_for_the_duplicate_check_as_the_user_types(client_for, teammate):
    client = client_for(teammate)
    form = client.get(reverse("contact-create")).content.decode()
    assert f'hx-get="{reverse("duplicate-check")}"' in form
    assert "delay:600ms" in form
    contact = make_contact(by=teammate, first_name="Grace", last_name="Hopper")
    edit = client.get(reverse("contact-edit", args=[contact.pk])).content.decode()
    assert f'hx-vals=\'{{"exclude": "{contact.pk}"}}\'' in edit
