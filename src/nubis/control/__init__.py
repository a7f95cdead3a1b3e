"""The rules: functions and their configuration, validation of every limit, invocation.
Knows nothing of HTTP; takes and returns plain values and raises `nubis.model.errors`."""
