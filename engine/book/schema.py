"""The book's schema: the SQL that makes each version from the one before (PRAGMA user_version
names the version a book is at; engine/book/store.py migrates a book forward when it opens it)."""

MIGRATIONS: tuple[str, ...] = (
    # 1: transactions, prices, the import log and settings
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        rows_added INTEGER NOT NULL,
        rows_skipped INTEGER NOT NULL
    );
    CREATE TABLE transactions (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        source TEXT NOT NULL,
        date TEXT NOT NULL,
        investor TEXT NOT NULL,
        account TEXT NOT NULL,
        security TEXT NOT NULL,
        type TEXT NOT NULL,
        units TEXT NOT NULL,
        price TEXT NOT NULL,
        charges TEXT NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE
    );
    CREATE INDEX transactions_by_date ON transactions (date, id);
    CREATE TABLE prices (
        security TEXT NOT NULL,
        date TEXT NOT NULL,
        price TEXT NOT NULL,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        PRIMARY KEY (security, date)
    );
    """,
    # 2: fair market values on 31-01-2018 (grandfathering) and brought-forward losses
    """
    CREATE TABLE fmv (
        security TEXT NOT NULL PRIMARY KEY,
        fmv TEXT NOT NULL,
        import_id INTEGER NOT NULL REFERENCES imports(id)
    );
    CREATE TABLE losses (
        investor TEXT NOT NULL,
        fy INTEGER NOT NULL,
        term TEXT NOT NULL,
        amount TEXT NOT NULL,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        PRIMARY KEY (investor, fy, term)
    );
    """,
    # 3: the replayed ledger, kept so that reports need not replay the whole history
    # (engine/book/kept_ledger.py). Meta 'ledger' names the transactions it was replayed from
    # (their count and highest id): a row added by any SQLite client changes those, and a
    # row changed or deleted deletes the key (a trigger per row on inserts would cost an
    # import of 100,000 rows 0.2 s).
    """
    CREATE TABLE ledger_queues (
        investor TEXT NOT NULL,
        account TEXT NOT NULL,
        security TEXT NOT NULL,
        lots TEXT NOT NULL,
        PRIMARY KEY (investor, account, security)
    );
    CREATE TABLE ledger_disposals (
        seq INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        transaction_row TEXT NOT NULL,
        matched TEXT NOT NULL,
        bought_same_day INTEGER NOT NULL
    );
    CREATE INDEX ledger_disposals_by_date ON ledger_disposals (date);
    CREATE TRIGGER transactions_updated AFTER UPDATE ON transactions
        BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER transactions_deleted AFTER DELETE ON transactions
        BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    """,
    # 4: the controlled-selling state by month (engine/plans/selling.py), and rebalances done
    """
    CREATE TABLE sell_states (
        month TEXT PRIMARY KEY,
        selling INTEGER NOT NULL,
        started TEXT,
        drift TEXT NOT NULL,
        as_of TEXT NOT NULL
    );
    CREATE TABLE rebalances (
        as_of TEXT PRIMARY KEY,
        method TEXT NOT NULL
    );
    """,
    # 5: saved plans (engine/book/saved_plans.py): the id is derived from the hashes of the inputs,
    # so the same inputs give the same row; `body` is the plan's JSON, byte for byte.
    """
    CREATE TABLE plans (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        as_of TEXT NOT NULL,
        fy INTEGER NOT NULL,
        inputs TEXT NOT NULL,
        body TEXT NOT NULL
    );
    """,
    # 6: a brought-forward loss names the year it is brought into (engine/tax/chain.py):
    # the rows kept so far are the amounts carried out of their year of origin.
    """
    CREATE TABLE losses_by_year (
        investor TEXT NOT NULL,
        fy INTEGER NOT NULL,
        term TEXT NOT NULL,
        into_fy INTEGER NOT NULL,
        amount TEXT NOT NULL,
        import_id INTEGER NOT NULL REFERENCES imports(id),
        PRIMARY KEY (investor, fy, term, into_fy)
    );
    INSERT INTO losses_by_year SELECT investor, fy, term, fy + 1, amount, import_id FROM losses;
    DROP TABLE losses;
    ALTER TABLE losses_by_year RENAME TO losses;
    """,
    # 7: intraday trades (s.43(5)) of the kept ledger (engine/book/kept_ledger.py): same-day
    # purchases and sales of a share or ETF in one account, netted by the replay.
    """
    CREATE TABLE ledger_intraday (
        seq INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        trade TEXT NOT NULL
    );
    """,
    # 8: a saved plan keeps the policy as applied: every file's text and the resolved policy
    # (engine/book/saved_plans.py); plans saved before have none.
    """
    ALTER TABLE plans ADD COLUMN policy TEXT;
    """,
    # 9: the kept ledger guarded like the transactions: a row of it changed or deleted (or a
    # queue inserted) by any SQLite client deletes meta 'ledger', so the next command replays the
    # transactions (lotwise's own writes set the key again at their end; a disposal or intraday
    # trade inserted changes the counts the key names: engine/book/kept_ledger.py).
    """
    CREATE TRIGGER ledger_queues_inserted AFTER INSERT ON ledger_queues BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_queues_updated AFTER UPDATE ON ledger_queues BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_queues_deleted AFTER DELETE ON ledger_queues BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_disposals_updated AFTER UPDATE ON ledger_disposals BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_disposals_deleted AFTER DELETE ON ledger_disposals BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_intraday_updated AFTER UPDATE ON ledger_intraday BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    CREATE TRIGGER ledger_intraday_deleted AFTER DELETE ON ledger_intraday BEGIN DELETE FROM meta WHERE key = 'ledger'; END;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
