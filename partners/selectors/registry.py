"""Reads of the registry: an organization's lineage and the pieces of its detail page."""

from __future__ import annotations

from django.db.models import Prefetch

from partners.models import Membership, Organization, Representation


def organization_lineage(organization: Organization) -> tuple[list[Organization], list[Organization]]:
    """Predecessors (oldest first) and successors (nearest first) of ``organization``, e.g. for FMIP:
    ([AMIP], [FMIIP]). One query for the whole registry's links, then a walk in memory."""
    links = {row["id"]: row for row in Organization.objects.values("id", "predecessor_id", "name", "acronym")}
    successor_of = {row["predecessor_id"]: row["id"] for row in links.values() if row["predecessor_id"]}
    before, after = [], []
    current = links.get(organization.pk, {}).get("predecessor_id")
    while current and current not in {o["id"] for o in before} and current != organization.pk:
        before.insert(0, links[current])
        current = links[current]["predecessor_id"]
    current = successor_of.get(organization.pk)
    while current and current not in {o["id"] for o in after} and current != organization.pk:
        after.append(links[current])
        current = successor_of.get(current)
    to_obj = lambda row: Organization(id=row["id"], name=row["name"], acronym=row["acronym"])  # noqa: E731
    return [to_obj(row) for row in before], [to_obj(row) for row in after]


def organization_detail(*, pk: int) -> Organization:
    """An organization with its parent, company, members, memberships, representatives, signatures
    and commitments prefetched (a fixed number of queries)."""
    return (
        Organization.objects.select_related("parent", "predecessor", "company")
        .prefetch_related(
            Prefetch("members", queryset=Membership.objects.select_related("member").order_by("member__name")),
            Prefetch("memberships", queryset=Membership.objects.select_related("body").order_by("body__name")),
            Prefetch(
                "representatives", queryset=Representation.objects.select_related("person").order_by("-from_year")
            ),
            "signatures__agreement",
            "children",
        )
        .get(pk=pk)
    )
