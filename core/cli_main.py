"""``python -m core.cli_main`` runs the ``gridgov`` command (for environments without the script)."""
from core.cli import main

if __name__ == "__main__":
    main()
