"""Nubis: a self-hosted function platform that behaves like AWS Lambda."""
