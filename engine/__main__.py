import sys

from engine.cli.main import main

if __name__ == "__main__":  # not when a worker process started by "spawn" imports it (backtest --paths)
    sys.exit(main())
