"""The only code that talks to push services: keys, the sender (pywebpush) and the worker loop."""
