"""Function URLs: the payload format 2.0 event, the response rules, CORS and the
streaming prelude (docs/http.md). Wire modules only: the URL server comes later."""

from __future__ import annotations

from nubis.api.services.urls.event import IamCaller, UrlConfig, UrlRequest, url_event
from nubis.api.services.urls.response import UrlResponse, url_response

__all__ = ["IamCaller", "UrlConfig", "UrlRequest", "UrlResponse", "url_event", "url_response"]
