"""Monthly LMIS histories from other systems: how their columns map onto the monthly report
(:mod:`stock.history.mapping`) and how their files are read (:mod:`stock.history.source`). Loading
them is :func:`stock.services.history_load.history_file_load`; the format is in docs/history-import.md."""
