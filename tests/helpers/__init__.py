"""Helpers shared by test files of more than one directory (imported as `helpers.<module>`:
tests/ is on sys.path through tests/conftest.py, as for `from conftest import ...`)."""
