"""The ledger: transactions replayed into FIFO lots, disposals and intraday trades."""
