"""Global search: trigram index on both databases, limited to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from rapport.accounts.choices import Role

MIN_LENGTH = 3
KINDS = ("contact", "company", "lead", "deal")


@dataclass
class SearchHit:
    kind: str
    id: int
    title: str
    subtitle: str
    url: str


def _owner_clause(user: Any) -> tuple[str, list[Any]]:
    """SQL restricting entries to owners the user may see (the same rules as accounts.permissions)."""
    if user.is_admin:
        return "", []
    team_wide = user.role in (Role.MANAGER, Role.READ_ONLY) or (user.team_id and user.team and user.team.reps_see_team)
    if user.team_id and team_wide:
        clause = " AND (s.owner_id = %s OR s.owner_id IN (SELECT id FROM accounts_user WHERE team_id = %s)"
        params: list[Any] = [user.pk, user.team_id]
    else:
        clause = " AND (s.owner_id = %s"
        params = [user.pk]
    if user.role == Role.MANAGER:
        clause += " OR s.owner_id IS NULL"
    return clause + ")", params


# FTS5 trigram: a quoted phrase matches any substring of 3+ characters, case-insensitively. FTS5 returns
# matches in rowid order and one kind's entries mostly sit together, so the kind's lowest and highest
# id bound the scan (index search_kind_id, migration 0004): a search for companies no longer walks every
# matching contact first. CROSS JOIN keeps FTS5 the outer loop, where the bounds apply.
SQLITE_MATCH = (
    "SELECT s.kind, s.object_id FROM search_fts f CROSS JOIN search_searchentry s ON s.id = f.rowid "
    "WHERE search_fts MATCH %s AND f.rowid >= (SELECT MIN(id) FROM search_searchentry WHERE kind = %s) "
    "AND f.rowid <= (SELECT MAX(id) FROM search_searchentry WHERE kind = %s) AND s.kind = %s"
)


def _sqlite_match_params(term: str, kind: str) -> list[Any]:
    return ['"' + term.replace('"', '""') + '"', kind, kind, kind]


def search_ids(*, user: Any, query: str, kinds: tuple[str, ...] = KINDS, limit: int = 8) -> dict[str, list[int]]:
    """Ids of matching records per kind, at most `limit` of each, in one query (one round trip)."""
    term = " ".join(query.split())[:100]
    result: dict[str, list[int]] = {k: [] for k in kinds}
    if len(term) < MIN_LENGTH or not kinds:
        return result
    owner_sql, owner_params = _owner_clause(user)
    parts: list[str] = []
    params: list[Any] = []
    for kind in kinds:
        if connection.vendor == "sqlite":
            # SQLite takes a LIMIT inside a compound SELECT only in a subquery.
            parts.append(f"SELECT * FROM ({SQLITE_MATCH}{owner_sql} LIMIT %s)")
            params += [*_sqlite_match_params(term, kind), *owner_params, limit]
        else:
            # The MATERIALIZED CTE keeps the LIMIT away from the planner's choice for the trigram
            # predicate: it uses the kind's partial GIN index (search 0003) instead of a sequential
            # scan that it hopes a LIMIT will end early; the CTE is read lazily, so the LIMIT still stops it.
            name = f"m_{kind}"
            parts.append(
                f"{name} AS MATERIALIZED (SELECT s.kind, s.object_id FROM search_searchentry s "
                f"WHERE s.kind = %s AND s.text ILIKE %s{owner_sql})"
            )
            like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [kind, like, *owner_params]
    if connection.vendor == "sqlite":
        sql = " UNION ALL ".join(parts)
    else:
        selects = " UNION ALL ".join(f"(SELECT * FROM m_{kind} LIMIT %s)" for kind in kinds)
        sql = f"WITH {', '.join(parts)} {selects}"
        params += [limit] * len(kinds)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, object_id in cursor.fetchall():
            result[kind].append(object_id)
    return result


def global_search(*, user: Any, query: str, limit: int = 8) -> list[SearchHit]:
    """Contacts, companies, leads and deals matching any part of a name, email, phone or domain."""
    from rapport.contacts.models import Company, Contact
    from rapport.sales.models import Deal, Lead

    ids = search_ids(user=user, query=query, limit=limit)
    hits: list[SearchHit] = []
    contacts = Contact.objects.visible_to(user).filter(id__in=ids["contact"]).select_related("company")
    for c in contacts:
        hits.append(SearchHit("contact", c.pk, c.full_name, " · ".join(filter(None, [c.email, c.company and c.company.name])), c.get_absolute_url()))
    for co in Company.objects.visible_to(user).filter(id__in=ids["company"]):
        hits.append(SearchHit("company", co.pk, co.name, co.domain, co.get_absolute_url()))
    for lead in Lead.objects.visible_to(user).filter(id__in=ids["lead"]).select_related("contact"):
        hits.append(SearchHit("lead", lead.pk, str(lead), lead.get_status_display(), lead.get_absolute_url()))
    for deal in Deal.objects.visible_to(user).filter(id__in=ids["deal"]).select_related("stage"):
        hits.append(SearchHit("deal", deal.pk, deal.name, f"{deal.stage.name} · {deal.amount} {deal.currency}", deal.get_absolute_url()))
    return hits


def search_match_sql(kind: str, query: str) -> tuple[str, list[Any]] | None:
    """SQL selecting the ids of `kind` records matching `query` (for `id__in=RawSQL(...)` in list filters).

    Returns None when the term is too short for the trigram index.
    """
    term = " ".join(query.split())[:100]
    if len(term) < MIN_LENGTH:
        return None
    if connection.vendor == "sqlite":
        return f"SELECT object_id FROM ({SQLITE_MATCH})", _sqlite_match_params(term, kind)
    like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return "SELECT s.object_id FROM search_searchentry s WHERE s.text ILIKE %s AND s.kind = %s", [like, kind]
