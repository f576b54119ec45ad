"""Reading and matching the shipped reference files (pure Python: no database)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from stock.reference import files
from stock.reference.cnops import (
    CatalogueResult,
    MedicineRecord,
    load_catalogue,
    normalise_form,
    normalise_inn,
    normalise_strength,
    parse_price,
)
from stock.reference.essential import (
    NemlEntry,
    NemlResult,
    WhoEmlResult,
    build_matcher,
    load_neml,
    load_who_eml,
    match_neml,
    match_who_eml,
)
from stock.reference.inn import InnMatcher, name_variants, substance_key
from stock.reference.territory import (
    EstablishmentResult,
    load_establishments,
    load_province_crosswalk,
    load_provinces,
    load_regions,
    match_province,
    match_region,
    province_index,
    region_index,
)

#: Listed INNs that the 2014 CNOPS list does not carry (checked by hand against its brands and
#: substances), plus "Sulfadiazine" whose only CNOPS namesake is the silver salt cream and
#: "Silver", which names no salt or form (CNOPS only has a colloidal silver ointment).
NEML_ABSENT_FROM_CNOPS = {
    "Abacavir", "Albumin", "Anti-venom", "Artemether", "Atazanavir",
    "Capreomycin", "Clofazimine", "Cycloserine", "Dacarbazine", "Dapsone", "Darunavir",
    "Emtricitabine", "Ethionamide", "Etravirine", "Hepatitis B immunoglobulin", "Ketamine",
    "Lopinavir", "Lumefantrine (Benflumetol)", "Methadone", "Nitrous oxide (Dinitrogen oxide)",
    "Oxygen", "Para-aminosalicylic acid", "Phenytoin", "Pralidoxime (Contrathion)", "Praziquantel",
    "Primaquine", "Procarbazine", "Pyrimethamine", "Quinine", "Ritonavir", "Silver", "Sulfadiazine",
    "Tenofovir Disoproxil Fumarate", "White soft paraffin",
}  # fmt: skip


@pytest.fixture(scope="module")
def establishments() -> EstablishmentResult:
    return load_establishments()


@pytest.fixture(scope="module")
def catalogue() -> CatalogueResult:
    return load_catalogue()


@pytest.fixture(scope="module")
def matcher(catalogue: CatalogueResult) -> InnMatcher:
    return build_matcher(catalogue.medicines)


@pytest.fixture(scope="module")
def neml(catalogue: CatalogueResult, matcher: InnMatcher) -> NemlResult:
    return match_neml(load_neml(), catalogue.medicines, matcher)


@pytest.fixture(scope="module")
def who(catalogue: CatalogueResult, matcher: InnMatcher) -> WhoEmlResult:
    return match_who_eml(load_who_eml(), catalogue.medicines, matcher)


# Territory


def test_it_reads_the_12_regions_and_83_provinces_of_the_hcp():
    regions, provinces = load_regions(), load_provinces()

    assert [region.code for region in regions] == [f"{number:02d}" for number in range(1, 13)]
    assert len(provinces) == 83
    assert len({province.code for province in provinces}) == 83
    assert {province.region_code for province in provinces} == {region.code for region in regions}


def test_it_matches_region_spellings_of_the_establishment_files():
    index = region_index(load_regions())

    assert match_region("Eddakhla-Oued Eddahab", index) == "12"
    assert match_region("Tanger-Tetouan-Al Hoceima", index) == "01"
    assert match_region("Laayoune-Sakia El Hamra", index) == "11"
    assert match_region("fes meknes", index) == "03"
    assert match_region("Sahara", index) is None


def test_every_establishment_gets_its_region(establishments: EstablishmentResult):
    assert len(establishments.establishments) == 3344
    assert establishments.region_report.total == 3344
    assert establishments.region_report.matched == 3344
    assert establishments.region_report.unmatched == ()


def test_at_least_95_percent_of_establishments_get_a_province_of_their_own_region(
    establishments: EstablishmentResult,
):
    region_of_province = {province.code: province.region_code for province in load_provinces()}
    report = establishments.province_report

    assert report.rate >= 0.95
    assert report.matched == sum(1 for e in establishments.establishments if e.province_code)
    for establishment in establishments.establishments:
        if establishment.province_code:
            assert region_of_province[establishment.province_code] == establishment.region_code


def test_it_never_looks_for_a_province_outside_the_region():
    index, crosswalk = province_index(load_provinces()), load_province_crosswalk()

    assert match_province("Rabat", "04", index, crosswalk) == "04.421"
    assert match_province("Rabat", "06", index, crosswalk) is None
    assert match_province("Mdiq-Fnideq", "01", index, crosswalk) == "01.573"
    assert match_province("Taroudant", "09", index, crosswalk) == "09.541"  # reviewed alias


def test_every_province_crosswalk_row_points_to_a_province_of_its_region():
    region_of_province = {province.code: province.region_code for province in load_provinces()}

    for (region_code, _), province_code in load_province_crosswalk().items():
        assert region_of_province[province_code] == region_code


def test_establishment_codes_are_unique_and_the_same_on_every_read(establishments: EstablishmentResult):
    codes = [establishment.code for establishment in establishments.establishments]

    assert len(set(codes)) == 3344
    assert codes[0] == "01-HP-0001"
    assert codes == [establishment.code for establishment in load_establishments().establishments]
    assert {e.level for e in establishments.establishments} == {"hospital", "primary"}
    assert sum(1 for e in establishments.establishments if e.level == "hospital") == 170


def test_names_a_spreadsheet_stored_as_dates_get_their_words_back(establishments: EstablishmentResult):
    names = {(e.commune, e.name) for e in establishments.establishments}

    assert ("Ouezzane (Mun.)", "9 Juillet") in names
    assert ("Laayoune (Mun.)", "25 Mars") in names
    assert not [name for _, name in names if name[:1].isdigit() and "00:00" in name]


# CNOPS catalogue


def test_it_reads_5917_products_with_unique_13_digit_eans(catalogue: CatalogueResult):
    eans = [product.ean for product in catalogue.products]

    assert len(eans) == 5917
    assert len(set(eans)) == 5917
    assert all(len(ean) == 13 and ean.isdigit() for ean in eans)


def test_it_reads_prices_as_decimals_and_a_dash_as_no_price(catalogue: CatalogueResult):
    by_ean = {product.ean: product for product in catalogue.products}
    eloxatine, uro = by_ean["6118010116230"], by_ean["6118001230068"]

    assert eloxatine.public_price == Decimal("2882.00")
    assert eloxatine.hospital_price == Decimal("2555.00")
    assert eloxatine.reimbursement_rate == 70
    assert eloxatine.is_originator is True
    assert uro.hospital_price is None
    assert uro.reimbursement_rate == 0
    assert parse_price(" - ") is None
    assert sum(1 for product in catalogue.products if product.hospital_price is None) == 421


@pytest.mark.parametrize(
    ("dosage", "unit", "expected"),
    [
        ("500", "MG", "500 MG"),
        ("50 / 12.5", "MG / MG", "50 MG / 12.5 MG"),
        ("0,25", "MG", "0.25 MG"),
        ("13.50", "MG", "13.5 MG"),
        ("35 000 / 35 000 / 100 000", "UI / UI / UI", "35000 UI / 35000 UI / 100000 UI"),
        ("2.4", "G/100ML", "2.4 G/100ML"),
        ("0.75", "UI/0.75 ML", "0.75 UI/0.75ML"),
        ("100", "µG", "100 µG"),
        ("nan", "nan", ""),
        ("NA / 0.25", "NA / %", "NA / 0.25 %"),
    ],
)
def test_it_normalises_strength(dosage: str, unit: str, expected: str):
    assert normalise_strength(dosage, unit) == expected


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("COMPRIME PELLICULE SECABLE", "COMPRIME"),
        ("COMPRIME ENROBE GASTRO-RESISTANT", "COMPRIME GASTRO-RESISTANT"),
        ("COMPRIME PELLICULE SECABLE A LP", "COMPRIME LP"),
        ("COMPRIME EFFERVESCENT", "COMPRIME EFFERVESCENT"),
        ("DRAGEE", "COMPRIME"),
        ("POUDRE POUR SUSPENTION BUVABLE", "POUDRE POUR SUSPENSION BUVABLE"),
        ("GELULE GASTRO-RESISTANTE", "GELULE GASTRO-RESISTANT"),
        ("DISPOSITIF INTRA-UTÉRIN", "DISPOSITIF INTRA-UTERIN"),
        ("SOLUTION INJECTABLE", "SOLUTION INJECTABLE"),
    ],
)
def test_it_normalises_dosage_forms(form: str, expected: str):
    assert normalise_form(form) == expected


def test_it_groups_presentations_into_one_medicine_per_dci_strength_and_form(catalogue: CatalogueResult):
    medicine_of = {product.ean: product.medicine_code for product in catalogue.products}
    medicines = {medicine.code: medicine for medicine in catalogue.medicines}

    # Two Eloxatine boxes, one medicine; metformin 850 mg "COMPRIME" and "COMPRIME PELLICULE" together.
    assert medicine_of["6118010116230"] == medicine_of["6118001081646"]
    metformin_850 = {m.dosage_form for m in catalogue.medicines if m.inn == "METFORMINE" and m.strength == "850 MG"}
    assert metformin_850 == {"COMPRIME", "COMPRIME LP"}
    assert len(medicines) == len(catalogue.medicines) == 2706
    assert len({(m.inn, m.strength, m.dosage_form) for m in catalogue.medicines}) == 2706
    assert normalise_inn("CALCITONINE  SYNTHETIQUE DE SAUMON") == "CALCITONINE SYNTHETIQUE DE SAUMON"


# English INN -> French DCI


def test_spelling_rules_bring_english_and_french_names_to_one_key():
    assert substance_key("Oxaliplatin").full == substance_key("OXALIPLATINE").full
    assert substance_key("Acetylsalicylic acid").full == substance_key("ACIDE ACETYLSALICYLIQUE").full
    assert substance_key("Sodium bicarbonate").full == substance_key("BICARBONATE DE SODIUM").full
    assert substance_key("Indomethacin").full == substance_key("INDOMETACINE").full
    assert substance_key("Sodium chloride").full != substance_key("CHLORURE DE POTASSIUM").full
    assert substance_key("CHLORURE DE POTASSIUM").moiety == substance_key("Potassium").full
    assert name_variants("Paracetamol (Acetaminophen)") == ["Paracetamol", "Acetaminophen"]


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Oxaliplatin", "OXALIPLATINE"),
        ("Acetylsalicylic acid", "ACIDE ACETYLSALICYLIQUE"),
        ("Acyclovir", "ACICLOVIR"),
        ("Caffeine", "CAFEINE"),
        ("Clavulanic Acid", "ACIDE CLAVULANIQUE"),
        ("Levothyroxine", "LEVOTHYROXINE SODIQUE"),
        ("Naloxone", "CHLORHYDRATE DE NALOXONE ANHYDRE"),
        ("Potassium", "CHLORURE DE POTASSIUM"),
        ("Sodium hydrogen carbonate (Sodium bicarbonate)", "BICARBONATE DE SODIUM"),
        ("Calcium folinate (Folinic acid, Levoleucovorin, leucovorin)", "FOLINATE DE CALCIUM"),
        ("Nitroglycerin (Glyceryl trinitrate)", "TRINITRINE"),
        ("Benoxinate", "OXYBUPROCAINE"),
        ("Silver sulfadiazine", "SULFADIAZINE"),
    ],
)
def test_it_matches_tricky_inns(matcher: InnMatcher, english: str, french: str):
    assert french in matcher.match(english).french


def test_it_avoids_false_matches(matcher: InnMatcher):
    assert "CHLORURE DE SODIUM" not in matcher.match("Sodium hydrogen carbonate (Sodium bicarbonate)").french
    assert "BROMURE DE CALCIUM" not in matcher.match("Calcium").french
    assert "OXYDE DE ZINC" not in matcher.match("Zinc").french
    assert "BENZATHINE BENZYLPENICILLINE" not in matcher.match("Benzylpenicillin (Penicillin G)").french
    assert not matcher.match("Sulfadiazine").matched  # vetoed: CNOPS only has the silver salt cream


def test_every_crosswalk_target_is_a_cnops_substance_or_dci(matcher: InnMatcher):
    assert matcher.unknown_crosswalk_targets() == []
    rows = list(files.read_rows(files.INN_CROSSWALK_CSV))
    assert rows and all(row["en"].strip() and row["fr"].strip() and row["note"].strip() for row in rows)


def test_at_least_90_percent_of_the_344_listed_inns_are_found_in_cnops(neml: NemlResult):
    report = neml.report

    print("\n".join(report.lines()))
    assert report.total == 344
    assert report.matched >= 310
    assert report.rate >= 0.90
    assert set(report.unmatched) <= NEML_ABSENT_FROM_CNOPS


ANTI_HEMORRHOIDAL_DCIS = {"BENZOCAINE / ESCULOSIDE", "HYDROCORTISONE / CINCHOCAINE CHLORHYDRATE"}


def test_the_anti_hemorrhoidal_class_flags_its_two_cnops_products_and_nothing_else(
    catalogue: CatalogueResult, neml: NemlResult, tmp_path: Path
):
    # given: the shipped crosswalk, and the same without the class rows
    with files.reference_path(files.INN_CROSSWALK_CSV).open(encoding="utf-8") as handle:
        lines = handle.readlines()
    without_class = [line for line in lines if not line.startswith("Anti-hemorrhoidal,")]
    assert len(without_class) == len(lines) - 2
    (tmp_path / files.INN_CROSSWALK_CSV).write_text("".join(without_class), encoding="utf-8")

    # when
    without = match_neml(load_neml(), catalogue.medicines, build_matcher(catalogue.medicines, tmp_path))

    # then
    added = neml.essential_codes - without.essential_codes
    assert without.essential_codes <= neml.essential_codes
    assert {m.inn for m in catalogue.medicines if m.code in added} == ANTI_HEMORRHOIDAL_DCIS
    assert added == {m.code for m in catalogue.medicines if m.inn in ANTI_HEMORRHOIDAL_DCIS}
    assert set(neml.dcis_by_inn["Anti-hemorrhoidal"]) == ANTI_HEMORRHOIDAL_DCIS
    assert without.report.matched == neml.report.matched - 1


def test_a_whole_dci_row_never_lists_the_substances_of_that_dci():
    medicines = [
        MedicineRecord(code=inn, inn=inn, strength="", dosage_form="")
        for inn in ("BENZOCAINE / ESCULOSIDE", "BENZOCAINE", "ESCULOSIDE / HEPTAMINOL", "HEPTAMINOL")
    ]
    crosswalk = {"anti hemorrhoidal": ["=BENZOCAINE / ESCULOSIDE"], "heptaminol": ["HEPTAMINOL"]}
    matcher = InnMatcher((c for m in medicines for c in m.components), crosswalk, dci_names=(m.inn for m in medicines))
    class_match = matcher.match("Anti-hemorrhoidal")

    assert class_match.dcis == ("BENZOCAINE / ESCULOSIDE",)
    assert class_match.french == ()
    assert class_match.method == "crosswalk"
    assert not matcher.match("Benzocaine").dcis
    entries = [NemlEntry(product=name, on_who_eml=False, on_morocco_neml=True) for name in crosswalk]
    assert match_neml(entries, medicines, matcher).essential_codes == {"BENZOCAINE / ESCULOSIDE", "HEPTAMINOL"}
    assert InnMatcher(["BENZOCAINE"], {"x": ["=BENZOCAINE / ESCULOSID"]}).unknown_crosswalk_targets() == [
        "=BENZOCAINE / ESCULOSID"
    ]


def test_a_combination_is_essential_only_when_all_its_substances_are_listed(
    catalogue: CatalogueResult, neml: NemlResult
):
    essential_inns = {m.inn for m in catalogue.medicines if m.code in neml.essential_codes}

    assert "AMOXICILLINE" in essential_inns
    assert "AMOXICILLINE / ACIDE CLAVULANIQUE" in essential_inns
    assert "INSULINE HUMAINE" in essential_inns
    assert "PARACETAMOL / PSEUDOEPHEDRINE" not in essential_inns
    assert "SILDENAFIL" not in essential_inns
    assert "ACIDE CLAVULANIQUE" not in {dci for dcis in neml.dcis_by_inn.values() for dci in dcis}


# WHO EML 2023


def test_it_parses_every_who_record_despite_multi_line_cells():
    entries = load_who_eml()

    assert len(entries) == 1577
    assert {entry.status for entry in entries} == {"Added", "Removed"}
    japanese_encephalitis = next(entry for entry in entries if entry.name == "Japanese encephalitis vaccine")
    assert japanese_encephalitis.atc_codes == ("J07BA02", "J07BA03")


def test_it_gives_cnops_medicines_the_atc_code_and_section_of_the_same_who_medicine(who: WhoEmlResult):
    assert who.by_inn["AMOXICILLINE"].atc_code == "J01CA04"
    assert who.by_inn["AMOXICILLINE / ACIDE CLAVULANIQUE"].atc_code == "J01CR02"
    assert who.by_inn["OXALIPLATINE"].atc_code == "L01XA03"
    assert who.by_inn["TRINITRINE"].atc_code == "C01DA02"
    assert who.by_inn["IBUPROFENE"].atc_code == "M01AE01"  # its usual code, not the neonatal C01EB16
    assert who.by_inn["AMOXICILLINE"].section == "Access group antibiotics"
    assert "VACCIN D.T.COQ.P" in who.ambiguous
    assert "VACCIN D.T.COQ.P" not in who.by_inn


def test_about_a_thousand_cnops_medicines_get_an_atc_code(who: WhoEmlResult):
    print(who.names_report.summary(), who.medicines_report.summary(), sep="\n")
    assert who.medicines_report.total == 2706
    assert who.medicines_report.matched >= 1000
    assert who.names_report.matched >= 350
