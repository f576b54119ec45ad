"""Demand profiles: how much of a medicine an establishment uses, and how that moves over a year.

Pure numpy/pandas. Quantities are dispensing units per month. A medicine's reference demand is
what a provincial hospital (HP) uses; an establishment's size factor scales it (a CHU about three
times, a rural dispensary a few percent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Monthly units at a provincial hospital by dosage-form family.
FORM_BASE_UNITS = {"oral_solid": 1800.0, "injectable": 320.0, "liquid": 90.0, "topical": 45.0, "other": 150.0}
FORM_PATTERNS = {
    "injectable": r"INJ|PERF|AMPOULE|FLACON",
    "oral_solid": r"COMPRIM|GELULE|CAPSULE|DRAGEE|CPR|CP\b|SACHET",
    "liquid": r"SIROP|SUSPENSION|SOLUTION BUV|GOUTTE|EMULSION|POUDRE POUR",
    "topical": r"POMMADE|CREME|GEL\b|COLLYRE|LOTION",
}
#: Size of an establishment relative to a provincial hospital, by category.
CATEGORY_SIZE = {
    "CHU": 3.0,
    "HIR": 2.0,
    "HR": 1.6,
    "HP": 1.0,
    "HPr": 0.4,
    "CRO": 0.7,
    "HPsyP": 0.3,
    "HPsyR": 0.4,
    "CPU": 0.4,
    "CSU-2": 0.12,
    "CSU-1": 0.08,
    "CSR-2": 0.08,
    "CSR-1": 0.05,
    "DR": 0.025,
    "CRSR": 0.05,
    "CDTMR": 0.06,
    "LSP": 0.02,
}
DEFAULT_SIZE = {"hospital": 0.6, "primary": 0.06, "warehouse": 1.0}
#: Specialised hospitals: the ATC groups they mostly stock, and their share of a hospital's list.
_PSYCHIATRY = (("N03", "N05", "N06", "N07"), 0.4)
SPECIALTIES = {
    "CRO": (("L01", "L02", "L03", "L04", "A04", "B03", "N02"), 0.5),
    "HPsyP": _PSYCHIATRY,
    "HPsyR": _PSYCHIATRY,
    "CPU": _PSYCHIATRY,
}


def form_family(dosage_form: pd.Series) -> pd.Series:
    """Dosage-form family of each medicine (``oral_solid``, ``injectable``, ``liquid``, ``topical``, ``other``)."""
    text = dosage_form.fillna("").str.upper()
    family = pd.Series("other", index=dosage_form.index)
    # Later patterns win, so injectables (checked last) beat "POUDRE POUR ... INJECTABLE".
    for name in ("topical", "liquid", "oral_solid", "injectable"):
        family = family.mask(text.str.contains(FORM_PATTERNS[name], regex=True), name)
    return family


def medicine_profiles(medicines: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Per medicine: reference demand ``base``, seasonal ``amplitude`` and ``peak_month`` (1-12),
    yearly ``growth`` and ``primary_weight`` (how likely a health centre stocks it).

    Anti-infectives (ATC J) and respiratory medicines (ATC R) peak in winter; antidiarrhoeals and
    rehydration salts (A07) and antiprotozoals (P01) in summer; the rest are nearly flat.
    """
    n = len(medicines)
    family = form_family(medicines["dosage_form"])
    atc = medicines["atc_code"].fillna("").str.upper()
    section = medicines["therapeutic_section"].fillna("").str.lower()
    winter = atc.str.startswith(("J", "R")) | section.str.contains("infect|respirat", regex=True)
    summer = atc.str.startswith(("A07", "P01")) | section.str.contains("diarrh|malaria", regex=True)
    amplitude = np.where(winter, rng.uniform(0.25, 0.45, n), np.where(summer, rng.uniform(0.2, 0.35, n), 0.0))
    amplitude = np.where(amplitude == 0, rng.uniform(0.0, 0.08, n), amplitude)
    peak = np.where(winter, 1, np.where(summer, 8, rng.integers(1, 13, n)))
    base = family.map(FORM_BASE_UNITS).to_numpy(dtype=float) * rng.lognormal(0.0, 0.7, n)
    primary_weight = np.where(family.eq("injectable"), 0.3, 1.0) * np.where(winter | summer, 2.0, 1.0)
    return pd.DataFrame(
        {
            "medicine_id": medicines["id"].to_numpy(),
            "atc_code": atc.to_numpy(),
            "family": family.to_numpy(),
            "base": np.maximum(base, 5.0),
            "amplitude": amplitude,
            "peak_month": peak,
            "growth": rng.normal(0.03, 0.06, n),
            "primary_weight": primary_weight,
        }
    )


def establishment_sizes(establishments: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Size factor of each establishment: its category's size with some spread between peers."""
    by_category = establishments["category"].map(CATEGORY_SIZE)
    by_level = establishments["level"].map(DEFAULT_SIZE).fillna(0.1)
    size = by_category.fillna(by_level).to_numpy(dtype=float)
    return size * rng.lognormal(0.0, 0.3, len(establishments))


def choose_positions(
    establishments: pd.DataFrame,
    profiles: pd.DataFrame,
    *,
    hospital_medicines: int,
    centre_medicines: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Which medicines each establishment stocks: hospitals favour the medicines most used,
    health centres also favour oral, seasonal, primary-care medicines, oncology and psychiatric
    hospitals stock fewer medicines, mostly of their field. One row per position."""
    popularity = profiles["base"].to_numpy() / profiles["base"].sum()
    primary = popularity * profiles["primary_weight"].to_numpy()
    primary = primary / primary.sum()
    medicine_ids = profiles["medicine_id"].to_numpy()
    # Flatten the weights so that rarely used medicines still appear in some establishments.
    hospital_p = np.sqrt(popularity) / np.sqrt(popularity).sum()
    centre_p = np.sqrt(primary) / np.sqrt(primary).sum()
    atc = profiles["atc_code"].fillna("").str.upper()
    specialty_p = {}
    for category, (prefixes, share) in SPECIALTIES.items():
        focus = atc.str.startswith(prefixes).to_numpy()
        weights = hospital_p * np.where(focus, 20.0, 1.0)
        specialty_p[category] = (weights / weights.sum(), share)
    rows_est, rows_med = [], []
    for establishment_id, level, category in zip(
        establishments["id"], establishments["level"], establishments["category"], strict=True
    ):
        wanted, weights = (centre_medicines, centre_p) if level == "primary" else (hospital_medicines, hospital_p)
        if category in specialty_p:
            weights, share = specialty_p[category]
            wanted = max(1, round(wanted * share))
        count = min(wanted, len(medicine_ids))
        chosen = rng.choice(medicine_ids, size=count, replace=False, p=weights)
        rows_est.append(np.full(count, establishment_id))
        rows_med.append(np.sort(chosen))
    if not rows_est:
        return pd.DataFrame({"establishment_id": [], "medicine_id": []}, dtype=np.int64)
    return pd.DataFrame({"establishment_id": np.concatenate(rows_est), "medicine_id": np.concatenate(rows_med)})
