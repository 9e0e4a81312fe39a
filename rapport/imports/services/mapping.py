"""Import fields of each target and suggestions of which column goes to which field.

Suggestions understand the headers of common CRM and spreadsheet exports (Salesforce, HubSpot,
Zoho, Pipedrive, Outlook, Google contacts, shop exports) in English, German, French, Spanish, Italian,
Dutch and Portuguese. Contacts and companies share ALIASES; the other targets have their own table
(TARGET_ALIASES), because the same header means different fields there ("Account Name" is a deal's
company but a company's own name).
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
    ImportField("email_2", "Other emails", "One address, or several separated by ; or ,."),
    ImportField("phone", "Phone", "Normalised to +CC… with the default country."),
    ImportField("mobile", "Mobile phone"),
    ImportField("home_phone", "Home phone"),
    ImportField("other_phones", "Other phones", "One number, or several separated by ; or ,."),
    ImportField("company", "Company", "Found by name or web domain; created when new."),
    ImportField("owner", "Owner", "A user's email address or user name."),
    ImportField("lifecycle_stage", "Lifecycle stage"),
    ImportField("preferred_channel", "Preferred channel"),
    ImportField("street", "Street", "The contact's own (mailing) address."),
    ImportField("city", "City"),
    ImportField("region", "Region / state"),
    ImportField("postal_code", "Postal code"),
    ImportField("country", "Country", "Two-letter code (DE) or English name."),
    ImportField("external_id", "External id", "The record's id in the system you export from."),
    ImportField("rapport_id", "Rapport ID", "The ID column of a Rapport export: with match by Rapport ID, updates that record."),
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
    ImportField("rapport_id", "Rapport ID", "The ID column of a Rapport export: with match by Rapport ID, updates that record."),
    ImportField("tags", "Tags"),
    ImportField("parent", "Parent company", "Found by name or web domain; must exist."),
    ImportField("created_at", "Created date"),
]
LEAD_FIELDS = [
    ImportField("email", "Email", "Finds the contact; a new email creates the contact with the lead."),
    ImportField("first_name", "First name"),
    ImportField("last_name", "Last name"),
    ImportField("full_name", "Full name", "Split into first and last name."),
    ImportField("title", "Job title"),
    ImportField("phone", "Phone"),
    ImportField("street", "Street", "With city, region, postal code and country: the new contact's address."),
    ImportField("city", "City"),
    ImportField("region", "Region / state"),
    ImportField("postal_code", "Postal code"),
    ImportField("country", "Country", "Two-letter code (DE) or English name; also the country of the phone."),
    ImportField("company", "Company", "Found by name or web domain; created when new."),
    ImportField("status", "Lead status"),
    ImportField("source", "Lead source"),
    ImportField("disqualified_reason", "Disqualified reason"),
    ImportField("score", "Score"),
    ImportField("need", "Need / interest"),
    ImportField("product", "Product SKU", "Must exist under Products."),
    ImportField("deal", "Deal", "External id or name of an existing deal."),
    ImportField("owner", "Owner", "A user's email address or user name."),
    ImportField("external_id", "External id", "The lead's id in the system you export from."),
    ImportField("rapport_id", "Rapport ID", "The ID column of a Rapport export: with match by Rapport ID, updates that record."),
    ImportField("tags", "Tags"),
    ImportField("created_at", "Created date"),
]
DEAL_FIELDS = [
    ImportField("name", "Deal name"),
    ImportField("pipeline", "Pipeline", "By name; the default pipeline when empty."),
    ImportField("stage", "Stage", "By name, in the deal's pipeline; the first open stage when empty."),
    ImportField("amount", "Amount"),
    ImportField("currency", "Currency", "Three-letter code; the import's default currency when empty."),
    ImportField("expected_close_date", "Close date"),
    ImportField("contact", "Contact email", "Must be an existing contact."),
    ImportField("company", "Company", "By name or web domain; must exist."),
    ImportField("lost_reason", "Lost reason"),
    ImportField("owner", "Owner", "A user's email address or user name."),
    ImportField("external_id", "External id", "The deal's id in the system you export from."),
    ImportField("rapport_id", "Rapport ID", "The ID column of a Rapport export: with match by Rapport ID, updates that record."),
    ImportField("tags", "Tags"),
    ImportField("created_at", "Created date"),
]
ORDER_FIELDS = [
    ImportField("number", "Order number", "Rows with the same number are lines of one order."),
    ImportField("external_id", "Order external id", "Groups lines like the order number; used to update."),
    ImportField("contact", "Customer email", "An existing contact, or a new one if you choose so below."),
    ImportField("customer_name", "Customer name", "For a new customer: the full name (\"Anna Berg\")."),
    ImportField("customer_first_name", "Customer first name", "For a new customer."),
    ImportField("customer_last_name", "Customer last name", "For a new customer."),
    ImportField("customer_phone", "Customer phone", "For a new customer."),
    ImportField("customer_country", "Customer country", "For a new customer; also the country of its phone."),
    ImportField("company", "Company", "By name or web domain; must exist."),
    ImportField("deal", "Deal", "External id or name of an existing deal."),
    ImportField("ordered_at", "Order date"),
    ImportField("channel", "Channel"),
    ImportField("status", "Order status"),
    ImportField("currency", "Currency", "Three-letter code; the import's default currency when empty."),
    ImportField("sku", "Product SKU", "Must exist under Products."),
    ImportField("description", "Line description"),
    ImportField("quantity", "Quantity", "More than zero; 1 when empty."),
    ImportField("unit_price", "Unit price", "The product's price when empty."),
]
ACTIVITY_FIELDS = [
    ImportField("kind", "Type", "Call, meeting, task, note or email."),
    ImportField("subject", "Subject"),
    ImportField("body", "Description / notes"),
    ImportField("contact", "Contact email", "Must be an existing contact."),
    ImportField("company", "Company", "By name or web domain; must exist."),
    ImportField("lead", "Lead", "External id of an imported lead."),
    ImportField("deal", "Deal", "External id or name of an existing deal."),
    ImportField("related_module", "Related To module", "Accounts or Deals: what the Deal / Related To column names."),
    ImportField("due_at", "Due date"),
    ImportField("due_time", "Due time", "With the due date (or the start): that day at this time."),
    ImportField("priority", "Priority"),
    ImportField("status", "Status", "Completed / done marks the task done."),
    ImportField("done_at", "Completed date"),
    ImportField("starts_at", "Start"),
    ImportField("ends_at", "End"),
    ImportField("location", "Location"),
    ImportField("outcome", "Call outcome"),
    ImportField("duration_minutes", "Duration (minutes)"),
    ImportField("duration_seconds", "Duration (seconds)",
                "Seconds, as Salesforce's CallDurationInSeconds; kept in whole minutes."),
    ImportField("owner", "Owner / assigned to", "A user's email address or user name."),
    ImportField("external_id", "External id", "The activity's id in the system you export from."),
    ImportField("created_at", "Created date"),
]
FIELDS_BY_TARGET = {"contacts": CONTACT_FIELDS, "companies": COMPANY_FIELDS, "leads": LEAD_FIELDS,
                    "deals": DEAL_FIELDS, "orders": ORDER_FIELDS, "activities": ACTIVITY_FIELDS}
CUSTOM_ENTITY = {"contacts": "contact", "companies": "company", "leads": "lead", "deals": "deal"}

# Address columns, as other CRMs and address books name them: a base word ("City", "Zip"), alone or
# after the address's name: Salesforce "Mailing City" and "Billing City", Outlook "Business City" and
# "Home City", Google "Address 1 - City", Zoho "Mailing Zip". The prefixes come in the same order for
# every part, so when a file has two addresses all five parts come from the same one.
ADDRESS_PREFIXES = ("", "mailing", "primary", "address", "address1", "business", "work", "billing", "home",
                    "shipping", "other")
ADDRESS_WORDS: dict[str, tuple[list[str], list[str]]] = {
    # part: (base words, words in other languages, taken only alone)
    "street": (["street", "streetaddress", "address", "addressline1", "street1", "streetline1"],
               ["strasse", "anschrift", "adresse", "rue", "calle", "direccion", "via", "indirizzo", "straat",
                "rua", "endereco"]),
    "city": (["city", "town"], ["stadt", "ort", "ville", "ciudad", "citta", "plaats", "cidade", "localidad"]),
    "region": (["region", "state", "province", "stateprovince", "stateregion", "county"],
               ["bundesland", "provincia", "estado", "regione", "provincie"]),
    "postal_code": (["postalcode", "zip", "zipcode", "postcode", "zippostalcode", "postalzipcode"],
                    ["plz", "postleitzahl", "codepostal", "codigopostal", "cap", "postcodenl", "cep"]),
    "country": (["country", "countryregion", "countryorregion", "countrycode"],
                ["land", "pays", "pais", "paese", "nazione"]),
}


def _address_aliases(part: str) -> list[str]:
    words, foreign = ADDRESS_WORDS[part]
    return [prefix + word for prefix in ADDRESS_PREFIXES for word in words] + foreign


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
    "email_2": ["otheremails", "email2", "emailaddress2", "secondaryemail", "otheremail", "personalemail",
                "privateemail", "homeemail", "email2address", "additionalemails", "additionalemail",
                "alternateemail", "weitereemails"],
    "home_phone": ["homephone", "privatephone", "phonehome", "homephonenumber", "hometelephone", "telefonprivat",
                   "privattelefon", "telefonnummerprivat", "telephonedomicile", "telefonoparticular", "telefonocasa"],
    "other_phones": ["otherphones", "otherphone", "additionalphones", "additionalphone", "alternatephone",
                     "alternativephone", "phone3", "weiteretelefonnummern"],
    "phone": ["phone", "phonenumber", "telephone", "tel", "telefon", "telefonnummer", "telefono", "telefoon",
              "businessphone", "workphone", "officephone", "primaryphone", "phone1", "directphone",
              "telephonefixe", "telefonogeschaftlich", "telefongeschaftlich"],
    "mobile": ["mobile", "mobilephone", "mobilephonenumber", "mobilenumber", "cell", "cellphonenumber", "cellphone", "handy", "mobil", "mobilnummer",
               "mobiltelefon", "mobiltelefonnummer", "handynummer", "portable", "telephoneportable",
               "numerodeportable", "movil", "telefonomovil", "celular", "telefonocelular", "cellulare",
               "telefonocellulare", "mobiel", "mobielnummer", "mobieletelefoon", "phone2"],
    "company": ["company", "companyname", "account", "accountname", "organization", "organisation",
                "organizationname", "employer", "firma", "firmenname", "unternehmen", "entreprise", "societe",
                "empresa", "azienda", "bedrijf", "organisatie"],
    "owner": ["owner", "contactowner", "accountowner", "companyowner", "recordowner", "assignedto", "leadowner",
              "salesrep", "assignedtouser", "ownername", "hubspotowner", "kundenbetreuer", "betreuer",
              "besitzer", "inhaber", "verantwortlich", "proprietaire", "responsable", "propietario"],
    "lifecycle_stage": ["lifecyclestage", "lifecycle", "stage", "leadstatus", "contactstatus", "status",
                        "phase", "etape", "etapa", "fase"],
    "preferred_channel": ["preferredchannel", "preferredcontactmethod", "contactmethod"],
    "external_id": ["id", "externalid", "recordid", "contactid", "sourceid", "legacyid", "crmid", "accountid",
                    "companyid", "importid", "customernumber", "customerno", "customerid", "kundennummer", "kundennr",
                    "kundenid", "numeroclient", "numerodecliente", "clientid"],
    "tags": ["tags", "tag", "labels", "label", "schlagworte", "etiquettes", "etiquetas", "etichette"],
    "created_at": ["createddate", "createdat", "created", "createdon", "createtime", "createdate", "createdtime",
                   "creationdate", "addtime", "dateadded", "datecreated",
                   "erstelltam", "erstellt", "datedecreation", "fechadecreacion", "datacreazione"],
    # companies
    "name": ["name", "companyname", "accountname", "organization", "organisation", "company", "firma",
             "firmenname", "unternehmen", "entreprise", "societe", "raisonsociale", "empresa", "azienda"],
    "domain": ["domain", "website", "web", "url", "companydomain", "companydomainname", "homepage",
               "webseite", "sitweb", "sitioweb"],
    "industry": ["industry", "branche", "sector", "secteur", "settore", "industria"],
    "size": ["size", "employees", "numberofemployees", "companysize", "mitarbeiter", "effectif", "empleados"],
    **{part: _address_aliases(part) for part in ADDRESS_WORDS},
    "rapport_id": ["rapportid"],
    "parent": ["parent", "parentaccount", "parentcompany", "parentorganization", "muttergesellschaft",
               "societemere", "empresamatriz"],
}
_COMPANY_REF = ["company", "companyname", "account", "accountname", "organization", "organisation",
                "dealorganization", "organizationname", "personorganization",
                "organizationname", "organizationname", "org", "firma", "firmenname", "unternehmen", "kunde",
                "entreprise", "societe", "empresa", "azienda", "associatedcompany", "customeraccount"]
_DEAL_REF = ["deal", "dealname", "opportunity", "opportunityname", "opportunityid", "dealid", "relatedopportunity",
             "associateddeal", "verkaufschance", "opportunite", "oportunidad"]
_OWNER = ALIASES["owner"] + ["dealowner", "opportunityowner", "assigned", "activityowner",
                             "taskowner", "user", "bearbeiter", "zugewiesenan", "assigneea", "asignadoa"]
_CREATED = ALIASES["created_at"]
# Per target: field -> header keys (see header_key). These win over the contact/company ALIASES, which
# would otherwise read "Account Name" as a company's own name on a deal.
TARGET_ALIASES: dict[str, dict[str, list[str]]] = {
    "companies": {},
    "leads": {
        "email": ALIASES["email"] + ["leademail"],
        "first_name": ALIASES["first_name"],
        "last_name": ALIASES["last_name"],
        "full_name": ALIASES["full_name"] + ["leadname"],
        "title": ALIASES["title"],
        "phone": ALIASES["phone"] + ALIASES["mobile"],
        **{part: ALIASES[part] for part in ADDRESS_WORDS},
        "company": _COMPANY_REF,
        "status": ["leadstatus", "status", "leadstage", "stage", "statut", "estado", "estadodelead", "leadstatut"],
        "source": ["leadsource", "source", "origin", "quelle", "herkunft", "leadquelle", "origine", "fuente",
                   "origen", "originalsource", "channel"],
        "disqualified_reason": ["disqualifiedreason", "unqualifiedreason", "lostreason", "reason",
                                "disqualificationreason"],
        "score": ["score", "leadscore", "hubspotscore", "punkte", "puntuacion"],
        "need": ["need", "interest", "productinterest", "description", "bedarf", "interesse", "besoin", "interes",
                 "notes", "subject"],
        "product": ["product", "sku", "productcode", "productsku", "produkt", "produit", "producto"],
        "deal": _DEAL_REF,
        "owner": _OWNER,
        "external_id": ["id", "leadid", "externalid", "recordid", "sourceid", "legacyid", "crmid", "importid"],
        "rapport_id": ["rapportid"],
        "tags": ALIASES["tags"],
        "created_at": _CREATED,
    },
    "deals": {
        "rapport_id": ["rapportid"],
        "name": ["name", "dealname", "opportunityname", "opportunity", "deal", "title", "dealtitle", "subject",
                 "verkaufschance", "chancenname", "nomdelopportunite", "opportunite", "oportunidad",
                 "nombredeoportunidad", "potentialname"],
        "pipeline": ["pipeline", "dealpipeline", "salesprocess", "vertriebsprozess", "processus", "embudo"],
        "stage": ["stage", "dealstage", "salesstage", "opportunitystage", "phase", "status", "etape", "etapa",
                  "verkaufsphase", "fase"],
        "amount": ["amount", "value", "dealvalue", "dealamount", "opportunityamount", "expectedrevenue",
                   "betrag", "wert", "montant", "valeur", "importe", "valor", "monto"],
        "currency": ["currency", "currencycode", "opportunitycurrency", "dealcurrency", "wahrung", "devise",
                     "moneda", "isocode", "currencyisocode", "opportunitycurrencyisocode"],
        "expected_close_date": ["closedate", "expectedclosedate", "closingdate", "expectedclose", "closedat",
                                "dealexpectedclosedate", "dealclosedate",
                                "abschlussdatum", "datedecloture", "fechadecierre", "fechacierre"],
        "contact": ["contactemail", "contact", "primarycontactemail", "email", "emailaddress", "associatedcontact",
                    "kontakt", "dealcontactpersonemail", "personemail"],
        "company": _COMPANY_REF,
        "lost_reason": ["lostreason", "closedlostreason", "reasonlost", "lossreason", "verlustgrund",
                        "raisondeperte", "motivodeperdida"],
        "owner": _OWNER,
        "external_id": ["id", "dealid", "opportunityid", "externalid", "recordid", "sourceid", "legacyid", "crmid",
                        "potentialid", "importid"],
        "tags": ALIASES["tags"],
        "created_at": _CREATED,
    },
    "orders": {
        "number": ["ordernumber", "orderno", "ordernr", "order", "ordername", "orderreference", "invoicenumber",
                   "bestellnummer", "auftragsnummer", "numerodecommande", "numerodepedido", "pedido", "number",
                   "salesordernumber", "name"],
        "external_id": ["orderid", "externalid", "id", "shoporderid", "salesorderid", "importid"],
        "contact": ["email", "customeremail", "contactemail", "emailaddress", "buyeremail", "billingemail",
                    "kundenemail", "courriel", "correo", "customer", "contact"],
        "customer_name": ["billingname", "customername", "buyername", "shippingname", "fullname",
                          "kundenname", "nomduclient", "nombredelcliente", "nombrecliente"],
        "customer_first_name": ["billingfirstname", "customerfirstname", "firstname", "shippingfirstname",
                                "vorname", "prenom", "nombre"],
        "customer_last_name": ["billinglastname", "customerlastname", "lastname", "shippinglastname", "nachname",
                               "nom", "apellido", "apellidos"],
        "customer_phone": ["billingphone", "customerphone", "phone", "shippingphone", "telephone", "telefon",
                           "phonenumber", "telefono"],
        "customer_country": ["billingcountry", "customercountry", "country", "shippingcountry", "billingcountrycode",
                             "countrycode", "land", "pays", "pais"],
        "company": _COMPANY_REF + ["billingcompany"],
        "deal": _DEAL_REF,
        "ordered_at": ["orderdate", "date", "ordereddate", "createdat", "created", "purchasedate", "paidat",
                       "bestelldatum", "datum", "datedecommande", "fechadepedido", "fecha", "invoicedate",
                       "processedat"],
        "channel": ["channel", "saleschannel", "source", "ordersource", "kanal", "vertriebskanal", "canal"],
        "status": ["status", "orderstatus", "financialstatus", "state", "statut", "estado", "bestellstatus"],
        "currency": ["currency", "currencycode", "wahrung", "devise", "moneda"],
        "sku": ["sku", "productsku", "lineitemsku", "productcode", "itemcode", "articlenumber", "artikelnummer",
                "itemnumber", "partnumber", "reference", "referencia", "ref", "product", "productid"],
        "description": ["description", "lineitemname", "productname", "item", "itemname", "lineitem", "title",
                        "bezeichnung", "artikel", "libelle", "descripcion", "designation"],
        "quantity": ["quantity", "qty", "lineitemquantity", "menge", "anzahl", "quantite", "cantidad", "units",
                     "count"],
        "unit_price": ["unitprice", "price", "lineitemprice", "itemprice", "salesprice", "listprice",
                       "einzelpreis", "preis", "stuckpreis", "prixunitaire", "prix", "preciounitario", "precio"],
    },
    "activities": {
        "kind": ["type", "activitytype", "kind", "tasktype", "eventtype", "subtype", "typ", "aktivitatstyp",
                 "tipo", "tipodeactividad", "typedactivite", "category"],
        "subject": ["subject", "title", "name", "activityname", "tasksubject", "betreff", "titel", "sujet",
                    "objet", "asunto", "titulo"],
        "body": ["body", "description", "notes", "note", "comments", "comment", "details", "content", "text",
                 "beschreibung", "notiz", "notizen", "commentaire", "commentaires", "descripcion", "notas"],
        "contact": ["contactemail", "contact", "email", "emailaddress", "whoid", "relatedcontact",
                    "associatedcontact", "kontakt", "personemail", "contactname", "contactperson", "person",
                    "personname", "who", "whoname", "kontaktperson", "ansprechpartner", "nomducontact",
                    "nombredelcontacto", "contacto"],
        "company": _COMPANY_REF + ["relatedaccount"],
        "lead": ["lead", "leadid", "relatedlead"],
        "deal": _DEAL_REF + ["relatedto", "whatid", "what", "relatedtoname", "regarding"],
        "related_module": ["relatedtomodule", "semodule", "relatedmodule", "relatedtotype", "relatedtoobject",
                           "whattype", "whatidtype", "whatobjecttype", "relatedobjecttype", "regardingtype",
                           "module"],
        "due_at": ["duedate", "due", "dueat", "activitydate", "deadline", "faelligam", "falligam", "falligkeit",
                   "echeance", "datedecheance", "fechadevencimiento", "vencimiento", "date"],
        "due_time": ["duetime", "time", "uhrzeit", "heuredecheance", "hora"],
        "priority": ["priority", "prioritat", "priorite", "prioridad"],
        "status": ["status", "taskstatus", "state", "completed", "done", "erledigt", "statut", "estado"],
        "done_at": ["completeddate", "completedat", "donedate", "completiondate", "closedate", "markedasdonetime",
                    "closedtime", "erledigtam",
                    "datedefin", "fechadefinalizacion"],
        "starts_at": ["start", "startdate", "starttime", "startdatetime", "startsat", "from", "beginn", "debut",
                      "inicio", "meetingstart", "callstarttime", "meetingstarttime", "eventstart", "fromdatetime"],
        "ends_at": ["end", "enddate", "endtime", "enddatetime", "endsat", "to", "ende", "fin", "meetingend"],
        "location": ["location", "place", "where", "ort", "lieu", "ubicacion", "lugar"],
        "outcome": ["outcome", "calloutcome", "callresult", "result", "ergebnis", "resultat", "resultado"],
        "duration_seconds": ["calldurationinseconds", "durationinseconds", "durationseconds", "calldurationseconds",
                         "seconds", "callseconds", "talktimeseconds", "dauersekunden", "dureesecondes"],
    "duration_minutes": ["duration", "durationminutes", "callduration", "minutes", "dauer", "duree",
                             "duracion", "calldurationinminutes"],
        "owner": _OWNER,
        "external_id": ["id", "activityid", "taskid", "eventid", "externalid", "recordid", "engagementid",
                        "importid"],
        "created_at": _CREATED,
    },
}


def header_key(header: str) -> str:
    """Lower-case, accents removed, only letters and digits: 'E-mail Address' -> 'emailaddress', 'Straße' ->
    'strasse'."""
    text = unicodedata.normalize("NFKD", header.replace("ß", "ss")).encode("ascii", "ignore").decode().lower()
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
    # An alias earlier in a field's list is the likelier header: "Created at" is an order's date before
    # "Paid at" (empty while unpaid), whichever comes first in the file.
    alias_to_field: dict[str, tuple[str, int]] = {}
    for field, aliases in (TARGET_ALIASES.get(target) or ALIASES).items():
        if field in fields:
            for rank, alias in enumerate(aliases):
                alias_to_field.setdefault(alias, (field, rank))
    keys = [header_key(h) for h in headers]
    # (tier, rank, column, field): a saved mapping first, then custom fields' names, then aliases by
    # rank, then a header that is a field's key; each column and each field is taken once.
    offers: list[tuple[int, int, int, str]] = []
    saved_columns: set[int] = set()
    for index, key in enumerate(keys):
        if saved and key in saved and saved[key] in fields | {""}:
            saved_columns.add(index)
            if saved[key]:
                offers.append((0, 0, index, saved[key]))
            continue  # a column the saved mapping ignores stays ignored
        if key in custom_by_key:
            offers.append((1, 0, index, custom_by_key[key]))
        if key in alias_to_field:
            field, rank = alias_to_field[key]
            offers.append((2, rank, index, field))
        if key in fields:
            offers.append((3, 0, index, key))
    suggestion: dict[str, str] = {}
    used: set[str] = set()
    for _, _, index, field in sorted(offers):
        if str(index) not in suggestion and field not in used:
            suggestion[str(index)] = field
            used.add(field)
    # With first and last name present, a generic "Name" column is more likely the full name's duplicate.
    if {"first_name", "last_name"} <= used and "full_name" in used:
        for position, chosen in list(suggestion.items()):
            if chosen == "full_name":
                del suggestion[position]
    return suggestion
