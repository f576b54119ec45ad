"""The partners registry as the application knows it from its first run: bodies, people, agreements
and commitments reported in the Moroccan press (summarised here in the project's own words).

Every record names its source as "article de presse, mois année". Where a report does not give an
exact day, the date used is the first of the month (or of the year) and the summary says so.
Organizations are referred to by ``key`` (their acronym, or a short name) inside this file.

The source credits and the agreements' domains are a small fixed vocabulary, stored in French and
marked with ``gettext_noop`` so that the catalogue has them: the pages translate them when they show
them (a credit or a domain typed by hand, unknown to the catalogue, is shown as it is stored).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_noop

SRC_2017 = gettext_noop("article de presse, 2017 (mois non précisé)")
SRC_SEP_2020 = gettext_noop("article de presse, septembre 2020")
SRC_DEC_2021 = gettext_noop("article de presse, décembre 2021")
SRC_JUN_2023 = gettext_noop("article de presse, juin 2023")
SRC_DEC_2025 = gettext_noop("article de presse, décembre 2025")

ORGANIZATIONS: list[dict] = [
    {
        "key": "MSPS",
        "name": "Ministère de la Santé et de la Protection sociale",
        "acronym": "MSPS",
        "kind": "authority",
        "description": "Ministère de tutelle du secteur de la santé.",
        "source": SRC_DEC_2021,
    },
    {
        "key": "DMP",
        "name": "Direction du médicament et de la pharmacie",
        "acronym": "DMP",
        "kind": "authority",
        "parent": "MSPS",
        "description": "Direction du ministère qui assurait le suivi de l'approvisionnement et des stocks de "
        "sécurité avant la création de l'AMMPS.",
        "source": SRC_2017,
    },
    {
        "key": "MIC",
        "name": "Ministère de l'Industrie et du Commerce",
        "acronym": "MIC",
        "kind": "authority",
        "source": SRC_DEC_2021,
    },
    {
        "key": "AMMPS",
        "name": "Agence marocaine du médicament et des produits de santé",
        "acronym": "AMMPS",
        "kind": "authority",
        "predecessor": "DMP",
        "description": "Agence créée par la loi 10-22 (adoptée en 2023), qui reprend les missions de la DMP. "
        "Siège à Rabat.",
        "source": SRC_DEC_2025,
    },
    {
        "key": "FNS",
        "name": "Fédération nationale de la santé",
        "acronym": "FNS",
        "kind": "federation",
        "description": "Fédération qui regroupe les fédérations du secteur de la santé.",
        "source": SRC_SEP_2020,
    },
    {
        "key": "AMIP",
        "name": "Association marocaine de l'industrie pharmaceutique",
        "acronym": "AMIP",
        "kind": "association",
        "founded_on": dt.date(1985, 1, 1),
        "dissolved_on": dt.date(2020, 9, 29),
        "parent": "FNS",
        "description": "Fondée en 1985 (jour non précisé) ; une trentaine d'opérateurs : les principaux "
        "laboratoires marocains et les multinationales qui produisent au Maroc, représentant plus de 260 "
        "groupes étrangers. Remplacée par la FMIP en 2020.",
        "source": SRC_SEP_2020,
    },
    {
        "key": "FMIP",
        "name": "Fédération marocaine de l'industrie pharmaceutique",
        "acronym": "FMIP",
        "kind": "federation",
        "founded_on": dt.date(2020, 9, 29),
        "predecessor": "AMIP",
        "parent": "FNS",
        "description": "Création votée à l'unanimité par l'assemblée générale ordinaire de l'AMIP le mardi "
        "29 septembre 2020 à Casablanca. Réunit les professionnels disposant d'un établissement "
        "pharmaceutique industriel au Maroc ; objectifs : industrialisation, emploi et valeur ajoutée, "
        "souveraineté sanitaire, accès aux médicaments innovants et génériques. Reste rattachée à la FNS.",
        "source": SRC_SEP_2020,
    },
    {
        "key": "FMIIP",
        "name": "Fédération marocaine de l'industrie et de l'innovation pharmaceutiques",
        "acronym": "FMIIP",
        "kind": "federation",
        "predecessor": "FMIP",
        "parent": "FNS",
        "description": "Nouveau nom de la FMIP (date du changement non précisée).",
        "source": SRC_DEC_2025,
    },
    {
        "key": "AMMG",
        "name": "Association marocaine du médicament générique",
        "acronym": "AMMG",
        "kind": "association",
        "description": "Fabricants de médicaments génériques.",
        "source": SRC_2017,
    },
    {
        "key": "LEMM",
        "name": "Les entreprises du médicament au Maroc",
        "acronym": "LEMM",
        "kind": "association",
        "description": "Entreprises du médicament de recherche (princeps).",
        "source": SRC_2017,
    },
    {
        "key": "AMGS",
        "name": "Association marocaine des groupes de santé",
        "acronym": "AMGS",
        "kind": "association",
        "description": "Groupes d'hôpitaux et de cliniques privés.",
        "source": SRC_DEC_2021,
    },
    {
        "key": "CM",
        "name": "Cluster médical",
        "acronym": "CM",
        "kind": "cluster",
        "description": "Industriels des dispositifs médicaux.",
        "source": SRC_DEC_2021,
    },
    {
        "key": "COPFR",
        "name": "Conseil de l'Ordre des pharmaciens fabricants et répartiteurs",
        "acronym": "",
        "kind": "council",
        "description": "Ordre professionnel des pharmaciens fabricants et répartiteurs.",
        "source": SRC_DEC_2025,
    },
    {
        "key": "SOTHEMA",
        "name": "Sothema",
        "acronym": "",
        "kind": "company",
        "company": {"is_local_manufacturer": True},
        "description": "Laboratoire pharmaceutique marocain.",
        "source": SRC_JUN_2023,
    },
    {
        "key": "DASSAULT",
        "name": "Dassault Systèmes Americas Corp.",
        "acronym": "",
        "kind": "foreign",
        "country": "États-Unis",
        "description": "Éditeur de logiciels, partenaire étranger.",
        "source": SRC_JUN_2023,
    },
    {
        "key": "BAYLOR",
        "name": "Baylor College of Medicine",
        "acronym": "BCM",
        "kind": "academic",
        "country": "États-Unis",
        "description": "Faculté de médecine (Texas), partenaire académique étranger.",
        "source": SRC_JUN_2023,
    },
    {
        "key": "REGENLAB",
        "name": "Regenlab",
        "acronym": "",
        "kind": "foreign",
        "country": "Suisse",
        "description": "Entreprise présente en Suisse et aux États-Unis, partenaire étranger.",
        "source": SRC_JUN_2023,
    },
]

MEMBERSHIPS: list[dict] = [
    {"member": "AMIP", "body": "FNS", "started_on": None, "ended_on": dt.date(2020, 9, 29), "source": SRC_SEP_2020},
    {"member": "FMIP", "body": "FNS", "started_on": dt.date(2020, 9, 29), "ended_on": None, "source": SRC_SEP_2020},
]

# (person, title, organization key, role, from_year, to_year, source)
REPRESENTATIONS: list[dict] = [
    {
        "person": "Khalid Ait Taleb",
        "title": "Pr.",
        "organization": "MSPS",
        "role": "Ministre",
        "from_year": 2021,
        "to_year": 2023,
        "source": SRC_DEC_2021,
    },
    {
        "person": "Ryad Mezzour",
        "organization": "MIC",
        "role": "Ministre",
        "from_year": 2021,
        "to_year": 2023,
        "source": SRC_DEC_2021,
    },
    {
        "person": "Mohamed Elmandjra",
        "organization": "AMGS",
        "role": "Président",
        "from_year": 2021,
        "to_year": 2021,
        "source": SRC_DEC_2021,
    },
    {
        "person": "Said Benhajjou",
        "organization": "CM",
        "role": "Président",
        "from_year": 2021,
        "to_year": 2021,
        "source": SRC_DEC_2021,
    },
    {
        "person": "Lamia Tazi",
        "organization": "SOTHEMA",
        "role": "Directrice générale",
        "from_year": 2023,
        "to_year": 2023,
        "source": SRC_JUN_2023,
    },
    {
        "person": "Jean-Philippe Laguerre",
        "organization": "DASSAULT",
        "role": "Représentant",
        "from_year": 2023,
        "to_year": 2023,
        "source": SRC_JUN_2023,
    },
    {
        "person": "Sharmila Anandasabapathy",
        "organization": "BAYLOR",
        "role": "Représentante",
        "from_year": 2023,
        "to_year": 2023,
        "source": SRC_JUN_2023,
    },
    {
        "person": "Antonino Turzi",
        "organization": "REGENLAB",
        "role": "Représentant",
        "from_year": 2023,
        "to_year": 2023,
        "source": SRC_JUN_2023,
    },
]

AGREEMENTS: list[dict] = [
    {
        "title": "Feuille de route de la gestion de l'approvisionnement en médicaments (2017)",
        "kind": "roadmap",
        "signed_on": dt.date(2017, 1, 1),
        "place": "",
        "domains": [
            gettext_noop("réglementation"),
            gettext_noop("approvisionnement"),
            gettext_noop("système d'information"),
            gettext_noop("recherche"),
        ],
        "summary": "Réunion du ministre de la Santé avec l'AMIP, l'AMMG, le LEMM et la Direction du médicament, "
        "la veille du débat budgétaire du ministère au Parlement (date exacte non précisée ; le 1er janvier "
        "2017 sert de date conventionnelle). Axes retenus pour un accès plus équitable aux médicaments ; la "
        "vocation exportatrice améliore la qualité des médicaments commercialisés.",
        "source": SRC_2017,
        "signatories": [
            {"organization": "MSPS"},
            {"organization": "DMP"},
            {"organization": "AMIP"},
            {"organization": "AMMG"},
            {"organization": "LEMM"},
        ],
        "commitments": [
            {
                "party": "MSPS",
                "category": "regulation",
                "description": "Adapter la loi 17-04 (code du médicament et de la pharmacie) et la loi 09-71 "
                "relative aux stocks de sécurité.",
            },
            {
                "party": "MSPS",
                "category": "institution",
                "description": "Créer une agence nationale du médicament et des produits de santé.",
            },
            {
                "party": "MSPS",
                "category": "research",
                "description": "Renforcer la recherche scientifique pour que les citoyens accèdent aux "
                "médicaments innovants.",
            },
            {
                "party": "DMP",
                "category": "coordination",
                "description": "Tenir des réunions régulières avec l'industrie sur les questions en suspens.",
            },
            {
                "party": "MSPS",
                "category": "supply",
                "description": "Revoir le modèle de gestion de l'approvisionnement en médicaments et produits de "
                "santé (commande, achat, stockage, distribution) avant la fin de 2017, avec une cartographie des "
                "processus métier selon un nouveau cahier des charges.",
                "indicator": "Modèle révisé et cartographie des processus livrés",
                "unit": "% réalisé",
                "start_date": dt.date(2017, 3, 1),
                "due_date": dt.date(2017, 12, 31),
            },
            {
                "party": "MSPS",
                "category": "information",
                "description": "Mettre en place un système d'information intégré donnant en temps réel l'état "
                "des flux d'approvisionnement, pour appuyer la décision (feuille de route lancée par la "
                "division de l'approvisionnement en mars 2017).",
                "start_date": dt.date(2017, 3, 1),
            },
        ],
    },
    {
        "title": "Protocole d'accord pour l'industrialisation et l'achat local des dispositifs médicaux et "
        "produits de santé (2021)",
        "kind": "protocol",
        "signed_on": dt.date(2021, 12, 1),
        "place": "",
        "domains": [
            gettext_noop("dispositifs médicaux"),
            gettext_noop("industrialisation"),
            gettext_noop("achat local"),
        ],
        "summary": "Signé un mardi de décembre 2021 (jour non précisé ; le 1er décembre sert de date "
        "conventionnelle). Le secteur des dispositifs médicaux dépend des importations pour 90 % de son "
        "chiffre d'affaires.",
        "source": SRC_DEC_2021,
        "signatories": [
            {"organization": "MIC", "representative": "Ryad Mezzour"},
            {"organization": "MSPS", "representative": "Khalid Ait Taleb"},
            {"organization": "AMGS", "representative": "Mohamed Elmandjra"},
            {"organization": "CM", "representative": "Said Benhajjou"},
        ],
        "commitments": [
            {
                "party": "MIC",
                "category": "investment",
                "description": "Soutenir l'investissement et accompagner les porteurs de projets innovants et "
                "les entreprises industrielles du secteur.",
            },
            {
                "party": "MSPS",
                "category": "regulation",
                "description": "Accompagner la fabrication de dispositifs médicaux et de produits de santé dans "
                "le respect des exigences réglementaires et normatives.",
            },
            {
                "party": "MSPS",
                "category": "information",
                "description": "Simplifier les procédures et dématérialiser l'enregistrement des dispositifs et "
                "produits fabriqués localement.",
            },
            {
                "party": "AMGS",
                "category": "research",
                "description": "Mettre les infrastructures des membres à disposition pour les analyses et essais "
                "de dispositifs innovants.",
            },
            {
                "party": "AMGS",
                "category": "local_sourcing",
                "description": "Encourager les membres à utiliser les dispositifs et produits fabriqués au Maroc "
                "(le secteur importe 90 % de son chiffre d'affaires).",
                "indicator": "Part des réceptions de produits fabriqués au Maroc",
                "unit": "%",
            },
            {
                "party": "AMGS",
                "category": "local_sourcing",
                "description": "Établir un plan annuel d'achat local répondant aux besoins des membres.",
                "indicator": "Plan annuel d'achat local établi",
                "unit": "% réalisé",
            },
            {
                "party": "CM",
                "category": "investment",
                "description": "Accompagner les porteurs de projets capables de répondre aux besoins du marché "
                "local en dispositifs médicaux et produits de santé.",
            },
        ],
    },
    {
        "title": "Mémorandum d'entente pour le développement galénique et les essais cliniques (2023)",
        "kind": "memorandum",
        "signed_on": dt.date(2023, 6, 23),
        "place": "Had Soualem (province de Berrechid)",
        "domains": [
            gettext_noop("développement galénique"),
            gettext_noop("essais cliniques"),
            gettext_noop("intelligence artificielle"),
            gettext_noop("maladies rares"),
        ],
        "summary": "Objectif : le premier écosystème africain de développement galénique (CDMO) et d'essais "
        "cliniques (CRO) s'appuyant sur les nouvelles technologies et l'intelligence artificielle, pour "
        "accélérer l'innovation et le développement des médicaments, anticancéreux compris. Axes : science "
        "réglementaire, recherche clinique, outils numériques pour les essais, formation à distance ; "
        "médicaments orphelins, thérapies géniques et cellulaires personnalisées ; diagnostic plus rapide et "
        "plus précis des maladies rares. Présenté comme un renfort de la souveraineté sanitaire par le "
        "partenariat public-privé, dans le cadre de la généralisation de la protection sociale.",
        "source": SRC_JUN_2023,
        "signatories": [
            {"organization": "MSPS"},
            {"organization": "MIC"},
            {"organization": "DASSAULT", "representative": "Jean-Philippe Laguerre"},
            {"organization": "BAYLOR", "representative": "Sharmila Anandasabapathy"},
            {"organization": "SOTHEMA", "representative": "Lamia Tazi"},
            {"organization": "REGENLAB", "representative": "Antonino Turzi"},
        ],
        "commitments": [
            {
                "party": "SOTHEMA",
                "category": "research",
                "description": "Objectif commun des signataires : bâtir le premier écosystème africain de "
                "développement galénique (CDMO) et d'essais cliniques (CRO) fondé sur les technologies "
                "numériques et l'intelligence artificielle.",
            },
        ],
    },
    {
        "title": "Concertation pour une instance conjointe et permanente de prévention des ruptures (2025)",
        "kind": "consultation",
        "signed_on": dt.date(2025, 12, 23),
        "place": "Siège de l'AMMPS, Rabat",
        "domains": [
            gettext_noop("ruptures de stock"),
            gettext_noop("souveraineté du médicament"),
            gettext_noop("coordination public-privé"),
        ],
        "summary": "Sujets : disponibilité des médicaments jugés indispensables, leviers pour limiter les "
        "ruptures, effet des contraintes internationales sur les matières premières et la logistique, "
        "coordination public-privé, souveraineté du médicament, sécurisation de l'arsenal thérapeutique "
        "national, résilience de l'industrie locale.",
        "source": SRC_DEC_2025,
        "signatories": [
            {"organization": "AMMPS"},
            {"organization": "MSPS"},
            {"organization": "FMIIP"},
            {"organization": "AMMG"},
            {"organization": "LEMM"},
            {"organization": "COPFR"},
        ],
        "commitments": [
            {
                "party": "AMMPS",
                "category": "coordination",
                "description": "Mettre en place une instance conjointe et permanente des autorités et de "
                "l'industrie : veille continue qui repère en amont les risques de rupture, en analyse les "
                "causes et propose des réponses opérationnelles pour la continuité des traitements.",
            },
        ],
    },
]
