"""Pure domain logic: standard library only, time comes in as an argument."""
