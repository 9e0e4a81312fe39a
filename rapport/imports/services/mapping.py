"""Import fields of each target and suggestions of which column goes to which field.

Suggestions understand the headers of common CRM and spreadsheet exports (Salesforce, HubSpot,
Pipedrive, Outlook, Google contacts) in English, German, French, Spanish, Italian, Dutch and Portuguese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapport.customization.services import custom_fields_for


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str
    help: str = ""


CONTACT_FIELDS = [
    ImportField("first_name", "First name"),
    ImportField("last_name", "Last name"),
    ImportField("full_name", "Full name", "Split into first and last name."),
    ImportField("title", "Job title"),
    ImportField("email", "Email", "The primary email; used to find existing contacts."),
    ImportField("email_2", "Other email"),
    ImportField("phone", "Phone", "Normalised to +CC… with the default country."),
    ImportField("mobile", "Mobile phone"),
    ImportField("company", "Company", "Found by name or web domain; created when new."),
    ImportField("owner", "Owner", "A user's email address or user name."),
    ImportField("lifecycle_stage", "Lifecycle stage"),
    ImportField("preferred_channel", "Preferred channel"),
    ImportField("city", "City"),
    ImportField("country", "Country", "Two-letter code (DE) or English name."),
    ImportField("external_id", "External id", "The record's id in the system you export from."),
    ImportField("tags", "Tags", "Separated by commas or semicolons."),
    ImportField("created_at", "Created date"),
]
COMPANY_FIELDS = [
    ImportField("name", "Company name"),
    ImportField("domain", "Web domain"),
    ImportField("industry", "Industry"),
    ImportField("size", "Size"),
    ImportField("phone", "Phone"),
    ImportField("street", "Street"),
    ImportField("city", "City"),
    ImportField("region", "Region / state"),
    ImportField("postal_code", "Postal code"),
    ImportField("country", "Country"),
    ImportField("owner", "Owner"),
    ImportField("external_id", "External id"),
    ImportField("tags", "Tags"),
]
FIELDS_BY_TARGET = {"contacts": CONTACT_FIELDS, "companies": COMPANY_FIELDS}
CUSTOM_ENTITY = {"contacts": "contact", "companies": "company", "leads": "lead", "deals": "deal"}

ALIASES: dict[str, list[str]] = {
    "first_name": ["firstname", "first", "givenname", "forename", "vorname", "prenom", "nombre", "nome",
                   "voornaam", "primeironome", "contactfirstname"],
    "last_name": ["lastname", "surname", "familyname", "nachname", "nom", "nomdefamille", "apellido", "apellidos",
                  "cognome", "achternaam", "sobrenome", "contactlastname"],
    "full_name": ["name", "fullname", "contactname", "contact", "displayname", "person", "nomcomplet",
                  "vollername", "nombrecompleto", "nomecompleto", "naam"],
    "title": ["title", "jobtitle", "position", "role", "jobrole", "funktion", "position", "berufsbezeichnung",
              "poste", "fonction", "cargo", "puesto", "titolo", "ruolo", "functie", "titel"],
    "email": ["email", "emailaddress", "mail", "email1", "emailaddress1", "primaryemail", "workemail",
              "businessemail", "emailadresse", "courriel", "adresseemail", "correo", "correoelectronico",
              "emailwork", "emailadres", "eposta"],
    "email_2": ["email2", "emailaddress2", "secondaryemail", "otheremail", "personalemail", "privateemail",
                "homeemail", "email2address"],
    "phone": ["phone", "phonenumber", "telephone", "tel", "telefon", "telefonnummer", "telefono", "telefoon",
              "businessphone", "workphone", "officephone", "primaryphone", "phone1", "directphone",
              "telephonefixe", "telefonogeschaftlich", "telefongeschaftlich"],
    "mobile": ["mobile", "mobilephone", "mobilenumber", "cell", "cellphone", "handy", "mobil", "mobilnummer",
               "portable", "telephoneportable", "movil", "celular", "cellulare", "mobiel", "mobielnummer",
               "phone2"],
    "company": ["company", "companyname", "account", "accountname", "organization", "organisation",
                "organizationname", "employer", "firma", "firmenname", "unternehmen", "entreprise", "societe",
                "empresa", "azienda", "bedrijf", "organisatie"],
    "owner": ["owner", "contactowner", "accountowner", "recordowner", "assignedto", "leadowner", "salesrep",
              "besitzer", "inhaber", "verantwortlich", "proprietaire", "responsable", "propietario"],
    "lifecycle_stage": ["lifecyclestage", "lifecycle", "stage", "leadstatus", "contactstatus", "status",
                        "phase", "etape", "etapa", "fase"],
    "preferred_channel": ["preferredchannel", "preferredcontactmethod", "contactmethod"],
    "city": ["city", "town", "mailingcity", "billingcity", "addresscity", "stadt", "ort", "ville", "ciudad",
             "citta", "plaats", "cidade", "localidad"],
    "country": ["country", "countrycode", "mailingcountry", "billingcountry", "addresscountry", "land", "pays",
                "pais", "paese", "nazione"],
    "external_id": ["id", "externalid", "recordid", "contactid", "sourceid", "legacyid", "crmid", "accountid",
                    "companyid", "importid"],
    "tags": ["tags", "tag", "labels", "label", "schlagworte", "etiquettes", "etiquetas", "etichette"],
    "created_at": ["createddate", "createdat", "created", "createdon", "createtime", "dateadded", "datecreated",
                   "erstelltam", "erstellt", "datedecreation", "fechadecreacion", "datacreazione"],
    # companies
    "name": ["name", "companyname", "accountname", "organization", "organisation", "company", "firma",
             "firmenname", "unternehmen", "entreprise", "societe", "raisonsociale", "empresa", "azienda"],
    "domain": ["domain", "website", "web", "url", "companydomain", "companydomainname", "homepage",
               "webseite", "sitweb", "sitioweb"],
    "industry": ["industry", "branche", "sector", "secteur", "settore", "industria"],
    "size": ["size", "employees", "numberofemployees", "companysize", "mitarbeiter", "effectif", "empleados"],
    "street": ["street", "address", "streetaddress", "billingstreet", "mailingstreet", "strasse", "adresse",
               "rue", "calle", "direccion", "via", "indirizzo"],
    "region": ["region", "state", "province", "billingstate", "mailingstate", "bundesland", "provincia"],
    "postal_code": ["postalcode", "zip", "zipcode", "postcode", "plz", "postleitzahl", "codepostal",
                    "codigopostal", "cap"],
}


def header_key(header: str) -> str:
    """Lower-case, accents removed, only letters and digits: 'E-mail Address' -> 'emailaddress'."""
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


def fields_for(target: str, user: object = None) -> list[ImportField]:
    """Standard and custom fields a column can be mapped to."""
    fields = list(FIELDS_BY_TARGET.get(target, []))
    entity = CUSTOM_ENTITY.get(target)
    if entity:
        for definition in custom_fields_for(entity, user):
            fields.append(ImportField(f"custom.{definition.key}", f"{definition.label} (custom)"))
    return fields


def mapping_suggest(target: str, headers: list[str], saved: dict[str, str] | None = None,
                    user: object = None) -> dict[str, str]:
    """Column position (as text) -> suggested field; each field is suggested at most once."""
    fields = {f.key for f in fields_for(target, user)}
    custom_by_key = {header_key(f.label.removesuffix(" (custom)")): f.key for f in fields_for(target, user)
                     if f.key.startswith("custom.")}
    custom_by_key.update({header_key(f.key[7:]): f.key for f in fields_for(target, user) if f.key.startswith("custom.")})
    alias_to_field: dict[str, str] = {}
    for field, aliases in ALIASES.items():
        if field in fields:
            for alias in aliases:
                alias_to_field.setdefault(alias, field)
    suggestion: dict[str, str] = {}
    used: set[str] = set()
    keys = [header_key(h) for h in headers]
    for index, key in enumerate(keys):
        candidates = []
        if saved and key in saved and saved[key] in fields | {""}:
            candidates.append(saved[key])
        candidates += [custom_by_key.get(key, ""), alias_to_field.get(key, "")]
        if key in fields:
            candidates.append(key)
        for candidate in candidates:
            if candidate and candidate not in used:
                suggestion[str(index)] = candidate
                used.add(candidate)
                break
    # With first and last name present, a generic "Name" column is more likely the full name's duplicate.
    if {"first_name", "last_name"} <= used and "full_name" in used:
        for position, chosen in list(suggestion.items()):
            if chosen == "full_name":
                del suggestion[position]
    return suggestion
