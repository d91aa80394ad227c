"""`python -m app <command>`: serve, migrate, demo, backup."""

from app.cli import main

raise SystemExit(main())
