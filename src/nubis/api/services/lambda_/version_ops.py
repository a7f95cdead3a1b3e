"""Lambda operations for versions, aliases, concurrency, layers and tags: wire parameters
in, output members out. Translation only; every rule is in `control`.

`VersionOperations.handlers` is merged into `LambdaOperations.handlers` by `nubis serve`.
"""

from __future__ import annotations

from typing import Any

from nubis.api.service import Handler, OperationRequest, OperationResult
from nubis.api.services.lambda_ import requests
from nubis.api.services.lambda_.shapes import function_configuration, provisioned_config
from nubis.control.aliases import AliasService
from nubis.control.concurrency import ConcurrencyService
from nubis.control.functions import FunctionService
from nubis.control.layers import LayerService, layer_arn
from nubis.control.tags import TagService
from nubis.control.versions import b64_digest
from nubis.model.function import FunctionConfig
from nubis.model.versions import Alias, LayerVersion

DEFAULT_PAGE = 50


def alias_configuration(alias: Alias, arn: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AliasArn": arn,
        "Name": alias.name,
        "FunctionVersion": alias.function_version,
        "Description": alias.description,
        "RevisionId": alias.revision_id,
    }
    if alias.routing:
        out["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.routing)}
    return out


class VersionOperations:
    def __init__(
        self,
        functions: FunctionService,
        aliases: AliasService,
        concurrency: ConcurrencyService,
        layers: LayerService,
        tags: TagService,
    ) -> None:
        self._f = functions
        self._aliases = aliases
        self._concurrency = concurrency
        self._layers = layers
        self._tags = tags
        self.handlers: dict[str, Handler] = {
            "PublishVersion": self.publish_version,
            "ListVersionsByFunction": self.list_versions,
            "CreateAlias": self.create_alias,
            "GetAlias": self.get_alias,
            "ListAliases": self.list_aliases,
            "UpdateAlias": self.update_alias,
            "DeleteAlias": self.delete_alias,
            "PutFunctionConcurrency": self.put_function_concurrency,
            "GetFunctionConcurrency": self.get_function_concurrency,
            "DeleteFunctionConcurrency": self.delete_function_concurrency,
            "PutProvisionedConcurrencyConfig": self.put_provisioned,
            "GetProvisionedConcurrencyConfig": self.get_provisioned,
            "DeleteProvisionedConcurrencyConfig": self.delete_provisioned,
            "ListProvisionedConcurrencyConfigs": self.list_provisioned,
            "PublishLayerVersion": self.publish_layer_version,
            "GetLayerVersion": self.get_layer_version,
            "GetLayerVersionByArn": self.get_layer_version_by_arn,
            "ListLayers": self.list_layers,
            "ListLayerVersions": self.list_layer_versions,
            "DeleteLayerVersion": self.delete_layer_version,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTags": self.list_tags,
        }

    def _conf(self, config: FunctionConfig) -> dict[str, Any]:
        """A version's configuration under its qualified ARN (`$LATEST` included, as
        ListVersionsByFunction answers)."""
        return function_configuration(config, self._f.arn(config.name, config.version))

    # --- versions

    async def publish_version(self, req: OperationRequest) -> OperationResult:
        p = req.params
        latest = await self._f.latest(self._f.parse_ref(p["FunctionName"]).name)
        version = await self._f.publish(
            latest, p.get("CodeSha256"), p.get("Description"), p.get("RevisionId")
        )
        return OperationResult(self._conf(version))

    async def list_versions(self, req: OperationRequest) -> OperationResult:
        p = req.params
        latest = await self._f.latest(self._f.parse_ref(p["FunctionName"]).name)
        everything = [latest, *await self._f.published(latest.name)]
        start = _offset(p.get("Marker"))
        limit = p.get("MaxItems") or DEFAULT_PAGE
        out: dict[str, Any] = {
            "Versions": [self._conf(c) for c in everything[start : start + limit]]
        }
        if start + limit < len(everything):
            out["NextMarker"] = str(start + limit)
        return OperationResult(out)

    # --- aliases

    async def create_alias(self, req: OperationRequest) -> OperationResult:
        p = req.params
        alias = await self._aliases.create(requests.create_alias(p))
        return OperationResult(alias_configuration(alias, self._aliases.arn(alias)))

    async def get_alias(self, req: OperationRequest) -> OperationResult:
        p = req.params
        alias = await self._aliases.get(p["FunctionName"], p["Name"])
        return OperationResult(alias_configuration(alias, self._aliases.arn(alias)))

    async def list_aliases(self, req: OperationRequest) -> OperationResult:
        p = req.params
        page, next_marker = await self._aliases.list(
            p["FunctionName"], p.get("FunctionVersion"), p.get("Marker"), p.get("MaxItems")
        )
        out: dict[str, Any] = {
            "Aliases": [alias_configuration(a, self._aliases.arn(a)) for a in page]
        }
        if next_marker is not None:
            out["NextMarker"] = next_marker
        return OperationResult(out)

    async def update_alias(self, req: OperationRequest) -> OperationResult:
        p = req.params
        alias = await self._aliases.update(requests.update_alias(p))
        return OperationResult(alias_configuration(alias, self._aliases.arn(alias)))

    async def delete_alias(self, req: OperationRequest) -> OperationResult:
        p = req.params
        await self._aliases.delete(p["FunctionName"], p["Name"])
        return OperationResult({}, status=204)

    # --- concurrency

    async def put_function_concurrency(self, req: OperationRequest) -> OperationResult:
        p = req.params
        value = await self._concurrency.put_reserved(
            p["FunctionName"], p["ReservedConcurrentExecutions"]
        )
        return OperationResult({"ReservedConcurrentExecutions": value})

    async def get_function_concurrency(self, req: OperationRequest) -> OperationResult:
        p = req.params
        value = await self._concurrency.get_reserved(p["FunctionName"])
        return OperationResult({} if value is None else {"ReservedConcurrentExecutions": value})

    async def delete_function_concurrency(self, req: OperationRequest) -> OperationResult:
        p = req.params
        await self._concurrency.delete_reserved(p["FunctionName"])
        return OperationResult({}, status=204)

    async def put_provisioned(self, req: OperationRequest) -> OperationResult:
        p = req.params
        status = await self._concurrency.put_provisioned(
            p["FunctionName"], p["Qualifier"], p["ProvisionedConcurrentExecutions"]
        )
        return OperationResult(provisioned_config(status))

    async def get_provisioned(self, req: OperationRequest) -> OperationResult:
        p = req.params
        status = await self._concurrency.get_provisioned(p["FunctionName"], p["Qualifier"])
        return OperationResult(provisioned_config(status))

    async def delete_provisioned(self, req: OperationRequest) -> OperationResult:
        p = req.params
        await self._concurrency.delete_provisioned(p["FunctionName"], p["Qualifier"])
        return OperationResult({}, status=204)

    async def list_provisioned(self, req: OperationRequest) -> OperationResult:
        p = req.params
        items = [
            {
                **provisioned_config(s),
                "FunctionArn": self._f.arn(s.config.function_name, s.config.qualifier),
            }
            for s in await self._concurrency.list_provisioned(p["FunctionName"])
        ]
        start = _offset(p.get("Marker"))
        limit = p.get("MaxItems") or DEFAULT_PAGE
        out: dict[str, Any] = {"ProvisionedConcurrencyConfigs": items[start : start + limit]}
        if start + limit < len(items):
            out["NextMarker"] = str(start + limit)
        return OperationResult(out)

    # --- layers

    def _layer(self, layer: LayerVersion, req: OperationRequest) -> dict[str, Any]:
        out = self._layer_item(layer)
        out["LayerArn"] = layer_arn(self._layers.account, layer.name)
        out["Content"] = {
            "Location": f"{req.base_url}/_nubis/code/{layer.code_sha256}.zip",
            "CodeSha256": b64_digest(layer.code_sha256),
            "CodeSize": layer.code_size,
        }
        return out

    def _layer_item(self, layer: LayerVersion) -> dict[str, Any]:
        out: dict[str, Any] = {
            "LayerVersionArn": layer_arn(self._layers.account, layer.name, layer.version),
            "Version": layer.version,
            "Description": layer.description,
            "CreatedDate": layer.created_date,
            # Lambda sends both lists, empty when none were given.
            "CompatibleRuntimes": list(layer.compatible_runtimes),
            "CompatibleArchitectures": list(layer.compatible_architectures),
        }
        if layer.license_info is not None:
            out["LicenseInfo"] = layer.license_info
        return out

    async def publish_layer_version(self, req: OperationRequest) -> OperationResult:
        p = req.params
        return OperationResult(
            self._layer(await self._layers.publish(requests.publish_layer(p)), req)
        )

    async def get_layer_version(self, req: OperationRequest) -> OperationResult:
        p = req.params
        return OperationResult(
            self._layer(await self._layers.get(p["LayerName"], p["VersionNumber"]), req)
        )

    async def get_layer_version_by_arn(self, req: OperationRequest) -> OperationResult:
        p = req.params
        return OperationResult(self._layer(await self._layers.get_by_arn(p["Arn"]), req))

    async def list_layers(self, req: OperationRequest) -> OperationResult:
        p = req.params
        page = await self._layers.list_layers(
            p.get("Marker"),
            p.get("MaxItems"),
            p.get("CompatibleRuntime"),
            p.get("CompatibleArchitecture"),
        )
        out: dict[str, Any] = {
            "Layers": [
                {
                    "LayerName": layer.name,
                    "LayerArn": layer_arn(self._layers.account, layer.name),
                    "LatestMatchingVersion": self._layer_item(layer),
                }
                for layer in page.items
            ]
        }
        if page.next_marker is not None:
            out["NextMarker"] = page.next_marker
        return OperationResult(out)

    async def list_layer_versions(self, req: OperationRequest) -> OperationResult:
        p = req.params
        page = await self._layers.list_versions(
            p["LayerName"],
            p.get("Marker"),
            p.get("MaxItems"),
            p.get("CompatibleRuntime"),
            p.get("CompatibleArchitecture"),
        )
        out: dict[str, Any] = {"LayerVersions": [self._layer_item(v) for v in page.items]}
        if page.next_marker is not None:
            out["NextMarker"] = page.next_marker
        return OperationResult(out)

    async def delete_layer_version(self, req: OperationRequest) -> OperationResult:
        p = req.params
        await self._layers.delete(p["LayerName"], p["VersionNumber"])
        return OperationResult({}, status=204)

    # --- tags

    async def tag_resource(self, req: OperationRequest) -> OperationResult:
        p = req.params
        await self._tags.tag(p["Resource"], p["Tags"])
        return OperationResult({}, status=204)

    async def untag_resource(self, req: OperationRequest) -> OperationResult:
        p = req.params
        await self._tags.untag(p["Resource"], p["TagKeys"])
        return OperationResult({}, status=204)

    async def list_tags(self, req: OperationRequest) -> OperationResult:
        p = req.params
        return OperationResult({"Tags": await self._tags.list(p["Resource"])})


def _offset(marker: str | None) -> int:
    """A paging marker we handed out (an offset); anything else starts at the beginning.
    18 digits reach past any listing, and int() refuses thousands of digits."""
    text = marker or ""
    return int(text[:18]) if text.isascii() and text.isdigit() else 0
