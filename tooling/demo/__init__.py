"""A deterministic demo history over the real establishments and medicines.

``generate.demo_generate`` is the entry point (used by ``manage.py generate_demo``). The numeric
parts (``profiles``, ``simulation``, ``inventory``, ``industry``) are pure numpy/pandas: frames in,
frames out, one seeded generator; ``selection`` reads the reference rows and ``writer`` stores the
frames with ``bulk_create`` in batches.
"""
