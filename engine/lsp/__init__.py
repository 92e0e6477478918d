"""`lotwise lsp`: the policy language's server for editors (docs/lsp.md).

A stage of its own after the API and the batch, before the shell: it reads policies through the
same loader and checker as `lotwise check` and speaks the Language Server Protocol over stdio
with pygls (server.py, the only module that imports pygls). The modules beside it turn the
checker's data into the protocol's: positions.py (spans and UTF-16 positions), diagnose.py,
hover.py with statements.py (what each statement means), complete.py, navigate.py (definitions
and the outline) and fixes.py (quick fixes).
"""
