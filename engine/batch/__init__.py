"""`lotwise batch`: one command over many clients' books (docs/advisers.md).

clients.py finds the clients (a folder each, or a manifest), jobs.py holds the records (Job in,
Outcome out), work.py is the work on one client through the API, engines.py runs it over the
clients (serially, on a process pool, or on Ray or Dask: engine_ray.py, engine_dask.py),
summary.py adds the outcomes up; engine/reports/batch.py renders them."""
