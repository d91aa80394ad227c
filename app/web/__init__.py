"""The HTTP layer: the only code that knows FastAPI, htmx headers and templates."""
