"""IAM's and STS's errors, a branch of the one tree (`nubis.model.errors`).

Both are query-protocol services: an error goes out as `<Error><Type>Sender</Type>
<Code>..</Code><Message>..</Message></Error>`. A modeled error's `wire_type` is its shape
name in botocore's model, which gives the code, HTTP status and fault the query codec
renders (`NoSuchEntityException` -> `NoSuchEntity`, 404); an unmodeled one's `wire_type`
is the code itself, with the status and fault below.

    NubisError
    └── IamError                                   Sender
        ├── NoSuchEntity            NoSuchEntityException              404
        ├── EntityAlreadyExists     EntityAlreadyExistsException       409
        ├── LimitExceeded           LimitExceededException             409
        ├── DeleteConflict          DeleteConflictException            409
        ├── InvalidInput            InvalidInputException              400
        ├── MalformedPolicy         MalformedPolicyDocumentException   400
        ├── IamValidationError      ValidationError (unmodeled)        400
        ├── AccessDenied            AccessDenied (unmodeled)           403
        ├── ServiceFailure          ServiceFailureException            500 Receiver
        ├── InternalFailure         InternalFailure (STS, unmodeled)   500 Receiver
        └── ExpiredToken            ExpiredTokenException (STS)        400

The evaluator's `MalformedPolicyDocumentError` (`nubis.control.iam.policy`) goes out
with the same code and status as `MalformedPolicy`.
"""

from __future__ import annotations

from nubis.model.errors import NubisError


class IamError(NubisError):
    wire_type = "ValidationError"
    status = 400
    fault = "Sender"


class NoSuchEntity(IamError):
    wire_type = "NoSuchEntityException"
    status = 404


class EntityAlreadyExists(IamError):
    wire_type = "EntityAlreadyExistsException"
    status = 409


class LimitExceeded(IamError):
    wire_type = "LimitExceededException"
    status = 409


class DeleteConflict(IamError):
    wire_type = "DeleteConflictException"
    status = 409


class InvalidInput(IamError):
    wire_type = "InvalidInputException"
    status = 400


class MalformedPolicy(IamError):
    wire_type = "MalformedPolicyDocumentException"
    status = 400


class IamValidationError(IamError):
    wire_type = "ValidationError"
    status = 400


class AccessDenied(IamError):
    wire_type = "AccessDenied"
    status = 403


class ServiceFailure(IamError):
    """IAM's own 5xx (Receiver fault: clients retry it)."""

    wire_type = "ServiceFailureException"
    status = 500
    fault = "Service"


class InternalFailure(IamError):
    """STS's own 5xx (its model has no shape for it)."""

    wire_type = "InternalFailure"
    status = 500
    fault = "Service"


class ExpiredToken(IamError):
    wire_type = "ExpiredTokenException"
    status = 400


# Messages, as IAM and STS send them.
MSG_NO_USER = "The user with name {name} cannot be found."
MSG_NO_ROLE = "The role with name {name} cannot be found."
MSG_NO_POLICY = "Policy {arn} does not exist or is not attachable."
MSG_NO_POLICY_VERSION = "Policy {arn} version {version} does not exist or is not attachable."
MSG_NO_USER_POLICY = "The user policy with name {name} cannot be found."
MSG_NO_ROLE_POLICY = "The role policy with name {name} cannot be found."
MSG_NO_KEY = "The Access Key with id {key} cannot be found."
MSG_NOT_ATTACHED = "Policy {arn} was not found."
MSG_USER_EXISTS = "User with name {name} already exists."
MSG_ROLE_EXISTS = "Role with name {name} already exists."
MSG_POLICY_EXISTS = "A policy called {name} already exists. Duplicate names are not allowed."
MSG_KEY_QUOTA = "Cannot exceed quota for AccessKeysPerUser: 2"
MSG_VERSION_QUOTA = (
    "A managed policy can have up to 5 versions. Before you create a new version, you must "
    "delete an existing version."
)
MSG_DELETE_KEYS_FIRST = "Cannot delete entity, must delete access keys first."
MSG_DELETE_POLICIES_FIRST = "Cannot delete entity, must delete policies first."
MSG_DETACH_FIRST = "Cannot delete entity, must detach all policies first."
MSG_POLICY_ATTACHED = "Cannot delete a policy attached to entities."
MSG_POLICY_HAS_VERSIONS = (
    "This policy has more than one version. Before you delete a policy, you must delete the "
    "policy's versions. The default version is deleted with the policy."
)
MSG_DELETE_DEFAULT_VERSION = "Cannot delete the default version of a policy."
MSG_PATTERN = (
    "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: {pattern}"
)
MSG_TOO_LONG = (
    "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
    "Member must have length less than or equal to {limit}"
)
MSG_TOO_SHORT = (
    "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
    "Member must have length greater than or equal to {limit}"
)
MSG_AT_LEAST = (
    "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
    "Member must have value greater than or equal to {limit}"
)
MSG_AT_MOST = (
    "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
    "Member must have value less than or equal to {limit}"
)
MSG_PATH = (
    "The specified value for path is invalid. It must begin and end with / and contain only "
    "alphanumeric characters and/or / characters."
)
MSG_BAD_MARKER = "Invalid Marker."
MSG_DURATION_OVER_ROLE = (
    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
)
MSG_DURATION_CHAINED = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
    "role chaining."
)
MSG_SESSION_TOKEN_FROM_SESSION = "Cannot call GetSessionToken with session credentials"
MSG_TOKEN_EXPIRED = "The security token included in the request is expired"
