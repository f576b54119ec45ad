"""Names of the WHO EML therapeutic sections as the pages show them.

``Medicine.therapeutic_section`` keeps the WHO name, which subscriptions and the demo's seasonal
profiles match on; pages show its French name, translated on an Arabic page. The names are marked
with ``gettext_noop`` so that makemessages puts them in the catalogue while the table keeps the
French text, which the medicine filter matches as well as the translation.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from stock.reference.text import collapse_spaces, strip_accents

# The 150 sections of who-eml-2023.csv (as the file writes them) with their French name, translated
# and reviewed for this project.
SECTION_NAMES: dict[str, str] = {
    "Access group antibiotics": gettext_noop("Antibiotiques du groupe Accès"),
    "Adrenal hormones and synthetic substitutes": gettext_noop(
        "Hormones corticosurrénaliennes et substituts de synthèse"
    ),
    "American trypanosomiasis": gettext_noop("Trypanosomiase américaine"),
    "Androgens": gettext_noop("Androgènes"),
    "Anti-infective medicines": gettext_noop("Anti-infectieux"),
    "Anti-inflammatory medicines": gettext_noop("Anti-inflammatoires"),
    "Anti-platelet medicines": gettext_noop("Antiagrégants plaquettaires"),
    "Antiallergics and medicines used in anaphylaxis": gettext_noop("Antiallergiques et médicaments de l'anaphylaxie"),
    "Antiamoebic and antigiardiasis medicines": gettext_noop("Antiamibiens et antigiardiens"),
    "Antianaemia medicines": gettext_noop("Antianémiques"),
    "Antianginal medicines": gettext_noop("Antiangoreux"),
    "Antiarrhythmic medicines": gettext_noop("Antiarythmiques"),
    "Antiasthmatic and medicines for chronic obstructive pulmonary disease": gettext_noop(
        "Antiasthmatiques et médicaments de la bronchopneumopathie chronique obstructive"
    ),
    "Antidotes and other substances used in poisonings > Non-specific": gettext_noop(
        "Antidotes et autres substances utilisées dans les intoxications > Non spécifiques"
    ),
    "Antidotes and other substances used in poisonings > Specific": gettext_noop(
        "Antidotes et autres substances utilisées dans les intoxications > Spécifiques"
    ),
    "Antiemetic medicines": gettext_noop("Antiémétiques"),
    "Antifilarials": gettext_noop("Antifilariens"),
    "Antifungal medicines": gettext_noop("Antifongiques"),
    "Antiherpes medicines": gettext_noop("Antiherpétiques"),
    "Antihypertensive medicines": gettext_noop("Antihypertenseurs"),
    "Antileishmaniasis medicines": gettext_noop("Antileishmaniens"),
    "Antileprosy medicines": gettext_noop("Antilépreux"),
    "Antimalarial medicines > For chemoprevention": gettext_noop("Antipaludiques > Chimioprévention"),
    "Antimalarial medicines > For curative treatment": gettext_noop("Antipaludiques > Traitement curatif"),
    "Antimigraine medicines > For prophylaxis": gettext_noop("Antimigraineux > Traitement de fond"),
    "Antimigraine medicines > For treatment of acute attack": gettext_noop("Antimigraineux > Traitement de la crise"),
    "Antineoplastics and supportive medicines": gettext_noop("Antinéoplasiques et traitements de support"),
    "Antioxytocics (tocolytics)": gettext_noop("Antiocytociques (tocolytiques)"),
    "Antipneumocystosis and antitoxoplasmosis medicines": gettext_noop(
        "Médicaments de la pneumocystose et de la toxoplasmose"
    ),
    "Antiretrovirals > Integrase inhibitors": gettext_noop("Antirétroviraux > Inhibiteurs de l'intégrase"),
    "Antiretrovirals > Non-nucleoside reverse transcriptase inhibitors": gettext_noop(
        "Antirétroviraux > Inhibiteurs non nucléosidiques de la transcriptase inverse"
    ),
    "Antiretrovirals > Nucleoside/Nucleotide reverse transcriptase inhibitors": gettext_noop(
        "Antirétroviraux > Inhibiteurs nucléosidiques/nucléotidiques de la transcriptase inverse"
    ),
    "Antiretrovirals > Protease inhibitors": gettext_noop("Antirétroviraux > Inhibiteurs de la protéase"),
    "Antischistosomals and other antitrematode medicines": gettext_noop("Antibilharziens et autres antitrématodes"),
    "Antiseizure medicines": gettext_noop("Antiépileptiques"),
    "Antiseptics": gettext_noop("Antiseptiques"),
    "Antituberculosis medicines": gettext_noop("Antituberculeux"),
    "Antitussives": gettext_noop("Antitussifs"),
    "Antiulcer medicines": gettext_noop("Antiulcéreux"),
    "Barrier methods": gettext_noop("Méthodes barrières"),
    "Blood and blood components": gettext_noop("Sang et composants sanguins"),
    "Coagulation factors": gettext_noop("Facteurs de coagulation"),
    "Cysticidal medicines": gettext_noop("Cysticides"),
    "Cytotoxic medicines": gettext_noop("Cytotoxiques"),
    "Dental medicines and preparations": gettext_noop("Médicaments et préparations dentaires"),
    "Dermatological medicines": gettext_noop("Médicaments dermatologiques"),
    "Dermatological medicines > Anti-infective medicines": gettext_noop(
        "Médicaments dermatologiques > Anti-infectieux"
    ),
    "Dermatological medicines > Anti-inflammatory and antipruritic medicines": gettext_noop(
        "Médicaments dermatologiques > Anti-inflammatoires et antiprurigineux"
    ),
    "Dermatological medicines > Antifungal medicines": gettext_noop("Médicaments dermatologiques > Antifongiques"),
    "Dermatological medicines > Medicines affecting skin differentiation and proliferation": gettext_noop(
        "Médicaments dermatologiques > Médicaments agissant sur la différenciation et la prolifération cutanées"
    ),
    "Dermatological medicines > Scabicides and pediculicides": gettext_noop(
        "Médicaments dermatologiques > Antigaleux et antipoux"
    ),
    "Diagnostic agents > Ophthalmic medicines": gettext_noop("Produits de diagnostic > Ophtalmologie"),
    "Diagnostic agents > Radiocontrast media": gettext_noop(
        "Produits de diagnostic > Produits de contraste radiologique"
    ),
    "Disease-modifying anti-rheumatic drugs (DMARDs)": gettext_noop(
        "Traitements de fond des rhumatismes inflammatoires (DMARD)"
    ),
    "Disinfectants": gettext_noop("Désinfectants"),
    "Diuretics": gettext_noop("Diurétiques"),
    "Ear, nose and throat medicines [c]": gettext_noop("Médicaments ORL (liste pédiatrique)"),
    "Estrogens": gettext_noop("Œstrogènes"),
    "Fixed-dose combinations for prevention of atherosclerotic cardiovascular disease": gettext_noop(
        "Associations à dose fixe pour la prévention des maladies cardiovasculaires athéroscléreuses"
    ),
    "Fixed-dose combinations of antiretrovirals": gettext_noop("Associations d'antirétroviraux à dose fixe"),
    "General anaesthetics and oxygen > Inhalational medicines": gettext_noop(
        "Anesthésiques généraux et oxygène > Anesthésiques par inhalation"
    ),
    "General anaesthetics and oxygen > Injectable medicines": gettext_noop(
        "Anesthésiques généraux et oxygène > Anesthésiques injectables"
    ),
    "Hormones and antihormones": gettext_noop("Hormones et antihormones"),
    "Human immunoglobulins": gettext_noop("Immunoglobulines humaines"),
    "Immunologicals > Diagnostic agents": gettext_noop("Produits immunologiques > Produits de diagnostic"),
    "Immunologicals > Sera, immunoglobulins and monoclonal antibodies": gettext_noop(
        "Produits immunologiques > Sérums, immunoglobulines et anticorps monoclonaux"
    ),
    "Immunomodulators": gettext_noop("Immunomodulateurs"),
    "Immunomodulators for non-malignant disease": gettext_noop("Immunomodulateurs des maladies non malignes"),
    "Implantable contraceptives": gettext_noop("Contraceptifs implantables"),
    "Injectable hormonal contraceptives": gettext_noop("Contraceptifs hormonaux injectables"),
    "Insulins": gettext_noop("Insulines"),
    "Intestinal anthelminthics": gettext_noop("Anthelminthiques intestinaux"),
    "Intrauterine devices": gettext_noop("Dispositifs intra-utérins"),
    "Intravaginal contraceptives": gettext_noop("Contraceptifs intravaginaux"),
    "Laxatives": gettext_noop("Laxatifs"),
    "Lipid-lowering agents": gettext_noop("Hypolipémiants"),
    "Local anaesthetics": gettext_noop("Anesthésiques locaux"),
    "Medical gases": gettext_noop("Gaz médicaux"),
    "Medicines administered to the neonate [c]": gettext_noop(
        "Médicaments administrés au nouveau-né (liste pédiatrique)"
    ),
    "Medicines affecting coagulation": gettext_noop("Médicaments agissant sur la coagulation"),
    "Medicines for COVID-19": gettext_noop("Médicaments de la COVID-19"),
    "Medicines for Ebola virus disease": gettext_noop("Médicaments de la maladie à virus Ebola"),
    "Medicines for alcohol use disorders": gettext_noop("Médicaments des troubles liés à l'usage de l'alcool"),
    "Medicines for anxiety disorders": gettext_noop("Médicaments des troubles anxieux"),
    "Medicines for bipolar disorders": gettext_noop("Médicaments des troubles bipolaires"),
    "Medicines for depressive disorders": gettext_noop("Médicaments des troubles dépressifs"),
    "Medicines for diarrhoea": gettext_noop("Médicaments de la diarrhée"),
    "Medicines for diseases of the nervous system": gettext_noop("Médicaments des maladies du système nerveux"),
    "Medicines for disorders of the pituitary hormone system": gettext_noop(
        "Médicaments des troubles hormonaux hypophysaires"
    ),
    "Medicines for ectoparasitic infections": gettext_noop("Médicaments des ectoparasitoses"),
    "Medicines for endocrine disorders": gettext_noop("Médicaments des troubles endocriniens"),
    "Medicines for hepatitis B > Nucleoside/Nucleotide reverse transcriptase inhibitors": gettext_noop(
        "Médicaments de l'hépatite B > Inhibiteurs nucléosidiques/nucléotidiques de la transcriptase inverse"
    ),
    "Medicines for hepatitis C > Non-pangenotypic direct-acting antiviral combinations": gettext_noop(
        "Médicaments de l'hépatite C > Associations d'antiviraux à action directe non pangénotypiques"
    ),
    "Medicines for hepatitis C > Other antivirals for hepatitis C": gettext_noop(
        "Médicaments de l'hépatite C > Autres antiviraux de l'hépatite C"
    ),
    "Medicines for hepatitis C > Pangenotypic direct-acting antiviral combinations": gettext_noop(
        "Médicaments de l'hépatite C > Associations d'antiviraux à action directe pangénotypiques"
    ),
    "Medicines for hypoglycaemia": gettext_noop("Médicaments de l'hypoglycémie"),
    "Medicines for juvenile joint diseases": gettext_noop("Médicaments des arthrites juvéniles"),
    "Medicines for mental and behavioural disorders": gettext_noop(
        "Médicaments des troubles mentaux et du comportement"
    ),
    "Medicines for multiple sclerosis": gettext_noop("Médicaments de la sclérose en plaques"),
    "Medicines for nicotine use disorders": gettext_noop("Médicaments du sevrage tabagique"),
    "Medicines for obsessive compulsive disorders": gettext_noop("Médicaments des troubles obsessionnels compulsifs"),
    "Medicines for opioid use disorders": gettext_noop("Médicaments des troubles liés à l'usage des opioïdes"),
    "Medicines for other common symptoms in palliative care": gettext_noop(
        "Médicaments des autres symptômes courants en soins palliatifs"
    ),
    "Medicines for parkinsonism": gettext_noop("Antiparkinsoniens"),
    "Medicines for prevention of HIV-related opportunistic infections": gettext_noop(
        "Prévention des infections opportunistes liées au VIH"
    ),
    "Medicines for psychotic disorders": gettext_noop("Médicaments des troubles psychotiques"),
    "Medicines for the treatment of 1st stage African trypanosomiasis": gettext_noop(
        "Trypanosomiase africaine, premier stade"
    ),
    "Medicines for the treatment of 2nd stage African trypanosomiasis": gettext_noop(
        "Trypanosomiase africaine, second stade"
    ),
    "Medicines used in diarrhoea": gettext_noop("Médicaments utilisés dans la diarrhée"),
    "Medicines used in heart failure": gettext_noop("Médicaments de l'insuffisance cardiaque"),
    "Medicines used to treat gout": gettext_noop("Antigoutteux"),
    "Muscle relaxants (peripherally-acting) and cholinesterase inhibitors": gettext_noop(
        "Myorelaxants périphériques et anticholinestérasiques"
    ),
    "Non-opioids and non-steroidal anti-inflammatory medicines (NSAIMs)": gettext_noop(
        "Antalgiques non opioïdes et anti-inflammatoires non stéroïdiens (AINS)"
    ),
    "Ophthalmological preparations": gettext_noop("Préparations ophtalmologiques"),
    "Ophthalmological preparations > Anti-infective agents": gettext_noop(
        "Préparations ophtalmologiques > Anti-infectieux"
    ),
    "Ophthalmological preparations > Anti-inflammatory agents": gettext_noop(
        "Préparations ophtalmologiques > Anti-inflammatoires"
    ),
    "Ophthalmological preparations > Anti-vascular endothelial growth factor (VEGF) preparations": gettext_noop(
        "Préparations ophtalmologiques > Anti-VEGF (facteur de croissance de l'endothélium vasculaire)"
    ),
    "Ophthalmological preparations > Local anaesthetics": gettext_noop(
        "Préparations ophtalmologiques > Anesthésiques locaux"
    ),
    "Ophthalmological preparations > Miotics and antiglaucoma medicines": gettext_noop(
        "Préparations ophtalmologiques > Myotiques et antiglaucomateux"
    ),
    "Ophthalmological preparations > Mydriatics": gettext_noop("Préparations ophtalmologiques > Mydriatiques"),
    "Opioid analgesics": gettext_noop("Analgésiques opioïdes"),
    "Oral hormonal contraceptives": gettext_noop("Contraceptifs hormonaux oraux"),
    "Oral hypoglycaemic agents": gettext_noop("Antidiabétiques oraux"),
    "Oral rehydration": gettext_noop("Réhydratation orale"),
    "Other antivirals": gettext_noop("Autres antiviraux"),
    "Other medicines administered to the mother": gettext_noop("Autres médicaments administrés à la mère"),
    "Other medicines for haemoglobinopathies": gettext_noop("Autres médicaments des hémoglobinopathies"),
    "Ovulation inducers": gettext_noop("Inducteurs de l'ovulation"),
    "Pancreatic enzymes": gettext_noop("Enzymes pancréatiques"),
    "Peritoneal dialysis solution": gettext_noop("Solution de dialyse péritonéale"),
    "Plasma substitutes": gettext_noop("Substituts du plasma"),
    "Plasma-derived medicines": gettext_noop("Médicaments dérivés du plasma"),
    "Preoperative medication and sedation for short-term procedures": gettext_noop(
        "Prémédication et sédation des actes de courte durée"
    ),
    "Progestogens": gettext_noop("Progestatifs"),
    "Recommendations for all immunization programmes": gettext_noop(
        "Vaccins recommandés pour tous les programmes de vaccination"
    ),
    "Recommendations for certain regions": gettext_noop("Vaccins recommandés dans certaines régions"),
    "Recommendations for immunization programmes with certain characteristics": gettext_noop(
        "Vaccins recommandés pour certains programmes de vaccination"
    ),
    "Recommendations for some high-risk populations": gettext_noop(
        "Vaccins recommandés pour certaines populations à haut risque"
    ),
    "Reserve group antibiotics": gettext_noop("Antibiotiques du groupe Réserve"),
    "Solutions correcting water, electrolyte and acid-base disturbances > Miscellaneous": gettext_noop(
        "Solutés de correction des troubles hydroélectrolytiques et acidobasiques > Divers"
    ),
    "Solutions correcting water, electrolyte and acid-base disturbances > Oral": gettext_noop(
        "Solutés de correction des troubles hydroélectrolytiques et acidobasiques > Voie orale"
    ),
    "Solutions correcting water, electrolyte and acid-base disturbances > Parenteral": gettext_noop(
        "Solutés de correction des troubles hydroélectrolytiques et acidobasiques > Voie parentérale"
    ),
    "Supportive medicines": gettext_noop("Traitements de support"),
    "Targeted therapies": gettext_noop("Thérapies ciblées"),
    "Therapeutic foods": gettext_noop("Aliments thérapeutiques"),
    "Thrombolytic medicines": gettext_noop("Thrombolytiques"),
    "Thyroid hormones and antithyroid medicines": gettext_noop("Hormones thyroïdiennes et antithyroïdiens"),
    "Uterotonics": gettext_noop("Utérotoniques"),
    "Vitamins and minerals": gettext_noop("Vitamines et minéraux"),
    "Watch group antibiotics": gettext_noop("Antibiotiques du groupe À surveiller"),
}


def section_label(section: str) -> str:
    """The name of a WHO EML section in the active language (French, or its translation); a name
    without translation is returned as it is."""
    french = SECTION_NAMES.get(collapse_spaces(section))
    return gettext(french) if french else section


def _folded(text: str) -> str:
    return collapse_spaces(strip_accents(text)).casefold()


def sections_matching(text: str) -> list[str]:
    """The WHO sections whose name, French name or name in the active language contains ``text``,
    ignoring case and accents ("antiangor", "Antiangoreux" and "antianginal" find the same one)."""
    needle = _folded(text)
    if not needle:
        return []
    return [
        section
        for section, french in SECTION_NAMES.items()
        if any(needle in _folded(name) for name in (section, french, gettext(french)))
    ]
