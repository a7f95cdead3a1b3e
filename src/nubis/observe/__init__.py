"""Logs, metrics, traces. Never blocks an invocation."""
