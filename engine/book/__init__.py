"""The book: the SQLite file, its rows read back checked, importers, the kept ledger, saved plans, doctor."""
