"""Use cases over a database session (keyword-only `session`). They commit their own work."""
