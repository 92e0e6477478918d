"""`lotwise batch`: one command over many clients' books (issue 17)."""
