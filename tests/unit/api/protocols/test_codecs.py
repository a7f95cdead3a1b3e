"""The codec boundary: which codec a model gets, and one error shape per protocol."""

from __future__ import annotations

import pytest

from nubis.api.protocols import codec_for
from nubis.api.protocols.cbor import CborCodec
from nubis.api.protocols.query import QueryCodec
from nubis.api.protocols.rest_xml import RestXmlCodec
from nubis.model.errors import ResourceNotFoundException, ServiceException
from tests.unit.api.protocols.botocore_side import parse_response


def test_a_model_gets_the_codec_of_its_protocol() -> None:
    assert isinstance(codec_for("sts"), QueryCodec)
    assert isinstance(codec_for("s3"), RestXmlCodec)
    assert isinstance(codec_for("cloudwatch"), CborCodec)
    assert isinstance(codec_for("cloudwatch", "query"), QueryCodec)
    assert codec_for("cloudwatch", "query").protocol == "query"


def test_protocols_the_model_does_not_list_are_refused() -> None:
    with pytest.raises(ValueError, match="does not speak"):
        codec_for("s3", "query")
    with pytest.raises(ValueError, match="no codec"):
        codec_for("cloudwatch", "json")  # listed, but aws_json serves json-first models only


@pytest.mark.parametrize(
    ("service", "protocol"),
    [("sts", "query"), ("s3", "rest-xml"), ("cloudwatch", "smithy-rpc-v2-cbor")],
)
def test_every_protocol_renders_nubis_errors_botocore_reads(service: str, protocol: str) -> None:
    codec = codec_for(service, protocol)
    for error, status, code in (
        (ResourceNotFoundException("gone"), 404, "ResourceNotFoundException"),
        (ServiceException("broke"), 500, "ServiceException"),
    ):
        response = codec.serialize_error(error, "rid-1")
        parsed = parse_response(protocol, response, None)
        assert response.status == status
        assert (parsed["Error"]["Code"], parsed["Error"]["Message"]) == (code, error.message)
        assert response.headers  # every error names its content type and request id
