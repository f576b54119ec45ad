"""Reading and matching the shipped reference data (``stock/data/reference/``), without Django.

- :mod:`~stock.reference.territory`: regions, provinces, establishments and their matching;
- :mod:`~stock.reference.cnops`: generic medicines and commercial products from CNOPS 2014;
- :mod:`~stock.reference.inn`: English INN -> French DCI matching;
- :mod:`~stock.reference.essential`: national essential list flags, WHO EML ATC codes and sections;
- :mod:`~stock.reference.report`: the per-step :class:`~stock.reference.report.MatchReport`.

The database writes live in :mod:`stock.services.reference`.
"""
