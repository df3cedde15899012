/**
 * Every `code` an API error body can carry: stable names integrators branch on (the message is
 * for people and may change). DomainError takes an ErrorCode, so a new error class cannot compile
 * until its code is listed here, and the OpenAPI document lists them all as an enum. Never rename
 * or reuse a code; add new ones to the group of their module.
 */
export const ERROR_CODES = [
  // Raised by the HTTP layer, not by a service.
  'ValidationFailed',
  'MalformedJson',
  'BadRequest',
  'InvalidInstanceUid',
  'NotAuthenticated',
  'InsufficientRole',
  'RouteNotFound',
  'MethodNotAllowed',
  'PayloadTooLarge',
  'UnsupportedMediaType',
  'RateLimited',
  'InternalError',
  // auth
  'InvalidCredentials',
  'TooManyLoginAttempts',
  'UserNotFound',
  'UserAlreadyExists',
  'LastAdminProtected',
  'AgentKeyNotFound',
  // agents
  'AgentNotFound',
  'AgentStillOnline',
  'AgentCannotRestart',
  'InvalidSelector',
  'AgentCannotReceive',
  'CustomMessageTooLarge',
  // configurations and their history
  'ConfigurationNotFound',
  'ConfigurationVersionNotFound',
  'ConfigurationAlreadyExists',
  'ConfigurationInUse',
  'ConfigurationVersionConflict',
  'ConfigurationRenameRefused',
  'InvalidCollectorConfig',
  'InvalidConfigContent',
  'ConfigTooLarge',
  'PushNotFound',
  'DefaultRolloutPolicyNotFound',
  'DefaultRolloutPolicyAlreadyExists',
  // connection settings
  'ConnectionSettingsNotFound',
  'ConnectionSettingsAlreadyExist',
  'InvalidConnectionSettings',
  // packages
  'PackageNotFound',
  'PackageAlreadyExists',
  'PackageChecksumMismatch',
  'PackageTooLarge',
  'InvalidPackageUpload',
  'PackageFileMissing',
  'PackageAssignmentNotFound',
  'InvalidPackageAssignment',
  'PackageSignatureRejected',
  'SigningKeyNotFound',
  'SigningKeyAlreadyExists',
  'InvalidSigningKey',
  // storage
  'StorageFull',
  'StorageUnavailable',
  // rollouts
  'RolloutNotFound',
  'RolloutAlreadyActive',
  'RolloutAssignmentNotHeld',
  'RolloutNothingToRollOut',
  'RolloutInvalid',
  'RolloutStateConflict',
  // webhooks
  'WebhookNotFound',
  'InvalidWebhook',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
