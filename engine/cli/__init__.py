"""The `lotwise` command: a thin shell over the engine (engine/cli/main.py)."""
