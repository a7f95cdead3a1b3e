"""Isolation of execution environments; see base.py for the boundary."""
