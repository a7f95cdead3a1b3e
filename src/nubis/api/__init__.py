"""AWS wire protocols: the Lambda REST-JSON API (from botocore's model), error mapping,
and Nubis's own small HTTP endpoints (code download, logs). No rules live here."""
