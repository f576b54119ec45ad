"""The industry side of a national dataset: companies, who supplies which medicine, and 24 months of
accepted supply declarations with their expected deliveries.

Real companies and supplier links are used when the registry has them; medicines without a
supplier get one to four generated holders (``GEN Laboratoire NN``) with one generated product each
(EAN starting with 2, the in-store range, so never a real code). Declared sales follow the public
demand simulated for the medicine (times two for the private market); declared stock is two to
five months of sales, so some companies fall short of the three-month safety-stock duty.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from partners.choices import DeclarationStatus, DisruptionCause, OrganizationKind, SupplierRole, SupplyKind
from partners.models import Company, Organization, ProductSupplier, SupplyDeclaration, SupplyLine
from stock.choices import ProductOrigin
from stock.models import Product

GENERATED_COMPANIES = 40
PRIVATE_MARKET_FACTOR = 2.0
ORIGIN_COUNTRIES = ["Inde", "Chine", "France", "Espagne", "Italie", "Maroc", "Allemagne"]
BATCH = 5000


def _companies(rng: np.random.Generator) -> list[int]:
    ids = list(Company.objects.order_by("id").values_list("id", flat=True))
    if len(ids) >= GENERATED_COMPANIES:
        return ids
    for number in range(1, GENERATED_COMPANIES + 1):
        organization, _ = Organization.objects.get_or_create(
            name=f"GEN Laboratoire {number:02d}", defaults={"kind": OrganizationKind.COMPANY}
        )
        Company.objects.get_or_create(organization=organization, defaults={"is_local_manufacturer": number % 2 == 0})
    return list(Company.objects.order_by("id").values_list("id", flat=True))


def _suppliers(rng: np.random.Generator, medicine_ids: np.ndarray) -> dict[int, list[tuple[int, str]]]:
    """(company id, product origin) of the suppliers of each medicine, created where missing."""
    suppliers: dict[int, list[tuple[int, str]]] = defaultdict(list)
    links = ProductSupplier.objects.filter(product__medicine_id__in=medicine_ids.tolist()).values_list(
        "product__medicine_id", "company_id", "product__origin"
    )
    for medicine_id, company_id, origin in links.order_by("product__medicine_id", "company_id").distinct():
        if company_id not in (known for known, _ in suppliers[medicine_id]):
            suppliers[medicine_id].append((company_id, origin))
    missing = [int(pk) for pk in medicine_ids if int(pk) not in suppliers]
    if not missing:
        return suppliers
    companies = _companies(rng)
    products, links_to_create = [], []
    for medicine_id in missing:
        count = int(rng.choice([1, 2, 3, 4], p=[0.35, 0.35, 0.2, 0.1]))
        for slot, company_index in enumerate(rng.choice(len(companies), size=count, replace=False)):
            origin = ProductOrigin.IMPORTED if rng.random() < 0.6 else ProductOrigin.LOCAL
            product = Product(
                ean=f"2{medicine_id:09d}{slot:03d}",
                medicine_id=medicine_id,
                brand=f"GEN Produit {medicine_id}-{slot}",
                origin=origin,
            )
            products.append(product)
            links_to_create.append((product, companies[company_index]))
            suppliers[medicine_id].append((companies[company_index], str(origin)))
    Product.objects.bulk_create(products, batch_size=BATCH, ignore_conflicts=True)
    by_ean = dict(Product.objects.filter(ean__in=[p.ean for p in products]).values_list("ean", "id"))
    ProductSupplier.objects.bulk_create(
        [
            ProductSupplier(company_id=company_id, product_id=by_ean[product.ean], role=SupplierRole.HOLDER)
            for product, company_id in links_to_create
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return suppliers


def industry_generate(
    *, rng: np.random.Generator, medicine_ids: np.ndarray, public_amc: np.ndarray, months: list[dt.date], end: dt.date
) -> dict[str, int]:
    """Write the declarations of every supplier of ``medicine_ids`` for ``months`` (oldest first)
    and the deliveries expected after ``end``; ``public_amc`` is each medicine's summed demand."""
    suppliers = _suppliers(rng, medicine_ids)
    causes = [cause for cause in DisruptionCause.values if cause != DisruptionCause.OTHER]
    declarations: list[SupplyDeclaration] = []
    latest: list[tuple[SupplyDeclaration, str]] = []
    for medicine_id, demand in zip(medicine_ids.tolist(), public_amc.tolist(), strict=True):
        pairs = suppliers.get(medicine_id, [])
        if not pairs:
            continue
        shares = rng.dirichlet(np.ones(len(pairs)) * 2.0)
        country = ORIGIN_COUNTRIES[int(rng.integers(len(ORIGIN_COUNTRIES)))]
        disrupted_from = len(months) - int(rng.integers(1, 4)) if rng.random() < 0.04 else len(months)
        for (company_id, origin), share in zip(pairs, shares, strict=True):
            cover = rng.lognormal(np.log(3.3), 0.35)
            for index, month in enumerate(months):
                sales = int(demand * PRIVATE_MARKET_FACTOR * share * rng.lognormal(0.0, 0.15))
                disruption = index >= disrupted_from
                declaration = SupplyDeclaration(
                    company_id=company_id,
                    medicine_id=medicine_id,
                    month=month,
                    stock_on_hand=int(sales * cover * (0.3 if disruption else 1.0)),
                    monthly_sales=sales,
                    disruption=disruption,
                    disruption_cause=str(causes[int(rng.integers(len(causes)))]) if disruption else "",
                    disruption_start=months[disrupted_from] if disruption else None,
                    api_origin_country=country,
                    status=DeclarationStatus.ACCEPTED
                    if index < len(months) - 1 or rng.random() < 0.85
                    else DeclarationStatus.SUBMITTED,
                )
                declarations.append(declaration)
                if index == len(months) - 1:
                    latest.append((declaration, origin))
    SupplyDeclaration.objects.bulk_create(declarations, batch_size=BATCH)
    lines = []
    for declaration, origin in latest:
        for _ in range(int(rng.integers(0, 3))):
            lines.append(
                SupplyLine(
                    declaration=declaration,
                    expected_on=end + dt.timedelta(days=int(rng.integers(5, 90))),
                    quantity=max(1, int(declaration.monthly_sales * rng.uniform(0.5, 2.0))),
                    kind=SupplyKind.IMPORT if origin == ProductOrigin.IMPORTED else SupplyKind.PRODUCTION,
                )
            )
    SupplyLine.objects.bulk_create(lines, batch_size=BATCH)
    return {"supply_declarations": len(declarations), "supply_lines": len(lines)}
