"""Database mechanics for large result sets, kept apart from the domain.

The domain apps hand this package frames and columns; it moves them in and out of PostgreSQL fast:

- :mod:`bulk.copy_out`: a queryset read into a pandas frame through ``COPY ... TO STDOUT``
  (binary when every column is fixed-width, CSV otherwise; plain rows off PostgreSQL).
- :mod:`bulk.copy_in`: typed columns encoded by numpy into a binary ``COPY ... FROM STDIN``
  stream, with no Python loop per row.
- :mod:`bulk.writers`: items handed to writer threads, each with its own database connection, a
  read run beside the caller's on a connection of its own (or several reads at once, or one after
  the other with each result there as soon as it is read), and a transaction held open by a thread
  of its own while the caller goes on.
- :mod:`bulk.updates`: many rows of a model updated with their own values in one statement.
- :mod:`bulk.prepared`: statements of fixed text prepared once per database session.
- :mod:`bulk.arrays`: whole numbers handed to PostgreSQL as one array parameter, written at once.

Nothing here knows about medicines or scores; nothing here imports a domain app.
"""
