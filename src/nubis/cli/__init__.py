"""The `nubis` command. `nubis serve` is the one place where parts are wired together and
settings are read."""
