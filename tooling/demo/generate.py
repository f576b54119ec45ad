"""The demo history, end to end: select, simulate, write, in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from stock.models import Establishment
from tooling.demo import industry, inventory, people, profiles, selection, simulation, store
from tooling.demo.batches import demo_check_or_reset, sqlite_tune
from tooling.demo.options import DemoOptions, month_days

HOSPITAL_USER_CATEGORIES = ("HR", "HP", "HIR")
CENTRE_USER_CATEGORIES = ("CSU-2", "CSU-1", "CSR-2", "CSR-1")


@dataclass
class DemoSummary:
    """What one run wrote (rows per table), how long each step took (seconds), the demo logins."""

    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    logins: list[people.DemoLogin] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)
    created_bodies: list[str] = field(default_factory=list)


class _Clock:
    """Wall and CPU seconds per step (on a shared machine the two differ a lot)."""

    def __init__(self, summary: DemoSummary, log: Callable[[str], None]) -> None:
        self.summary, self.log = summary, log
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self, step: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.summary.timings[step] = round(wall - self.wall, 2)
        self.log(f"  {step}: {wall - self.wall:.1f} s (CPU {cpu - self.cpu:.1f} s)")
        self.wall, self.cpu = wall, cpu


@transaction.atomic
def demo_generate(
    *, options: DemoOptions, password: str, reset: bool = False, log: Callable[[str], None] = lambda _: None
) -> DemoSummary:
    """Generate the demo history for ``options`` (same database and seed, same figures). Refuses
    when stock data is already there unless ``reset`` and it is a previous demo (then wiped first)."""
    options.validate()
    validate_password(password)
    summary = DemoSummary()
    clock = _Clock(summary, log)
    sqlite_tune()
    summary.deleted = demo_check_or_reset(reset=reset)
    clock.lap("reset")

    rng = np.random.default_rng(options.seed)
    establishments = selection.select_establishments(hospitals=options.hospitals, centres=options.centres, rng=rng)
    medicines = selection.select_medicines(count=options.medicines, rng=rng)
    products = selection.select_products(medicines["id"].tolist())
    clock.lap("selection")

    positions = _positions(establishments, medicines, options, rng)
    months, days = options.month_starts, month_days(options.month_starts)
    counts = positions.groupby("medicine_id").size()
    windows = simulation.choose_shortage_windows(counts, len(months), options.shortages, rng)
    result = simulation.simulate(positions, np.array([m.month for m in months]), days, windows, rng)
    monthly = result.monthly.join(positions[["establishment_id", "medicine_id"]], on="position")
    clock.lap("simulation")

    summary.counts["consumption months"] = store.write_consumption(monthly, months)
    clock.lap("consumption months")

    hospital, centre = _demo_establishments(establishments)
    ledger_hospitals = _ledger_hospitals(establishments, hospital, options.ledger_hospitals, rng)
    summary.counts.update(_write_stock(positions, monthly, result.transfers, ledger_hospitals, options, rng))
    clock.lap("stock, lots, transfers, ledger")

    bodies, summary.created_bodies = people.find_or_create_bodies()
    company_plan = industry.plan_companies(len(medicines), rng)
    companies = people.create_companies(company_plan, bodies, rng)
    assignments = industry.assign_products(products, company_plan, rng)
    summary.counts["companies"] = len(companies)
    summary.counts["product suppliers"] = store.write_suppliers(assignments, companies)
    demo_company = _demo_company(company_plan, assignments, companies)
    summary.logins = people.create_users(
        password=password, hospital=hospital, centre=centre, association=bodies["AMMG"], company=demo_company
    )
    users = {login.role: _user(login.username) for login in summary.logins}
    demand = monthly.groupby(["medicine_id", "month"], as_index=False)["demand"].sum()
    declarations, lines = industry.plan_declarations(assignments, company_plan, demand, months, windows, rng)
    submitters = {key: users["company"] for key, company in companies.items() if company.pk == demo_company.pk}
    (summary.counts["declarations"], summary.counts["supply lines"]) = store.write_declarations(
        declarations, lines, companies, users["analyst"], submitters
    )
    summary.counts["shortages"] = store.write_register(windows, months, options.as_of, users["analyst"])
    clock.lap("industry, users, register")
    summary.counts["positions"] = len(positions)
    summary.counts["establishments"] = len(establishments)
    summary.counts["medicines"] = len(medicines)
    return summary


def _positions(
    establishments: pd.DataFrame, medicines: pd.DataFrame, options: DemoOptions, rng: np.random.Generator
) -> pd.DataFrame:
    """The stocked positions with what the simulation needs: region, level, monthly ``mean``
    demand (medicine reference x establishment size) and the medicine's seasonal profile."""
    profile = profiles.medicine_profiles(medicines, rng)
    establishments = establishments.assign(size=profiles.establishment_sizes(establishments, rng))
    positions = profiles.choose_positions(
        establishments,
        profile,
        hospital_medicines=options.hospital_medicines,
        centre_medicines=options.centre_medicines,
        rng=rng,
    )
    positions = positions.merge(
        establishments[["id", "level", "region_id", "size"]].rename(columns={"id": "establishment_id"}),
        on="establishment_id",
    ).merge(profile, on="medicine_id")
    positions["is_hospital"] = positions["level"].ne("primary")
    positions["mean"] = positions["base"] * positions["size"]
    return positions


def _write_stock(
    positions: pd.DataFrame,
    monthly: pd.DataFrame,
    planned_transfers: pd.DataFrame,
    ledger_hospitals: list[int],
    options: DemoOptions,
    rng: np.random.Generator,
) -> dict[str, int]:
    """Transfers, stock levels (the last closing balance, plus what is in transit), lots and the
    ledger slice of ``ledger_hospitals``; returns the row counts."""
    months, days = options.month_starts, month_days(options.month_starts)
    owners = positions[["establishment_id", "medicine_id"]]
    establishment_of = owners["establishment_id"].to_numpy()
    transfers = inventory.date_transfers(planned_transfers, months, days, rng)
    sources, destinations = (transfers[end].to_numpy(dtype=int) for end in ("source", "destination"))
    transfers = transfers.assign(
        transfer=np.arange(len(transfers)),
        source_establishment=establishment_of[sources],
        destination_establishment=establishment_of[destinations],
        medicine_id=owners["medicine_id"].to_numpy()[sources],
    )
    transfers["transfer_id"] = store.write_transfers(transfers)

    last = monthly[monthly["month"] == len(months) - 1]
    in_transit = transfers[transfers["in_transit"]].groupby("destination")["quantity"].sum()
    levels = last[["position", "establishment_id", "medicine_id", "closing"]].rename(columns={"closing": "quantity"})
    levels["in_transit"] = levels["position"].map(in_transit).fillna(0).astype(np.int64)
    counts = {"stock levels": store.write_levels(levels)}
    lots = inventory.build_lots(levels, options.as_of, rng).join(owners, on="position")
    counts["lots"] = store.write_lots(lots)
    store.update_consumption(inventory.expired_history(monthly, lots, months, days, options.as_of), months)
    counts["transfers"] = len(transfers)
    counts["transfers in transit"] = int(transfers["in_transit"].sum())

    ledger_positions = last[last["establishment_id"].isin(ledger_hospitals)]
    ledger = inventory.build_ledger(ledger_positions, transfers, months[-1], int(days[-1]), rng)
    counts["movements"] = 0
    if len(ledger):
        ledger = ledger.join(owners, on="position")
        ledger["transfer_id"] = ledger["transfer"].map(transfers["transfer_id"])
        counts["movements"] = store.write_ledger(ledger)
    return counts


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _demo_establishments(establishments: pd.DataFrame) -> tuple[Establishment | None, Establishment | None]:
    """The hospital and health centre the demo users act for: a regional (else provincial)
    hospital and an urban (else rural) health centre of the selection, first by code."""
    chosen = []
    for level, categories in (("hospital", HOSPITAL_USER_CATEGORIES), ("primary", CENTRE_USER_CATEGORIES)):
        candidates = establishments[establishments["level"] == level]
        rank = candidates["category"].map({category: i for i, category in enumerate(categories)})
        candidates = candidates.assign(rank=rank.fillna(len(categories))).sort_values(["rank", "code"], kind="stable")
        chosen.append(int(candidates["id"].iloc[0]) if len(candidates) else None)
    rows = Establishment.objects.in_bulk([pk for pk in chosen if pk is not None])
    return rows.get(chosen[0]), rows.get(chosen[1])


def _ledger_hospitals(
    establishments: pd.DataFrame, hospital: Establishment | None, count: int, rng: np.random.Generator
) -> list[int]:
    """The demo hospital and ``count - 1`` other hospitals, whose last month gets a daily ledger."""
    if count == 0 or hospital is None:
        return []
    others = establishments.loc[
        (establishments["level"] == "hospital") & (establishments["id"] != hospital.pk), "id"
    ].to_numpy()
    extra = rng.choice(others, size=min(count - 1, len(others)), replace=False) if len(others) else []
    return [hospital.pk, *map(int, extra)]


def _demo_company(company_plan: pd.DataFrame, assignments: pd.DataFrame, companies: dict) -> object:
    """The company the demo company user declares for: the generic maker holding most products."""
    held = assignments.groupby("company").size()
    generics = company_plan.loc[company_plan["kind"] == "generic", "key"]
    ranked = held.reindex(generics).fillna(0).sort_values(ascending=False, kind="stable")
    key = int(ranked.index[0]) if len(ranked) else int(company_plan["key"].iloc[0])
    return companies[key]
