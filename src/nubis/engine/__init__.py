"""Execution environments: pools per function version, cold and warm starts, the Runtime
API server, zygotes. The boundary is `nubis.engine.base.Engine`."""
