// Generated from proto/opamp/v1/*.proto by scripts/generate-proto-types.ts (src/opamp/proto/proto-typegen.ts).
// Do not edit: change the .proto files and run `npm run generate:proto`; `npm run check` fails when stale.

/** The protobuf package of the OpAMP specification. */
export const OPAMP_PROTO_PACKAGE = 'opamp.proto.v1';

/** opamp.proto.v1.AgentToServer */
export interface AgentToServer {
  /** bytes instance_uid = 1 */
  instance_uid?: Uint8Array;
  /** uint64 sequence_num = 2 */
  sequence_num?: bigint;
  /** AgentDescription agent_description = 3 */
  agent_description?: AgentDescription;
  /** uint64 capabilities = 4 */
  capabilities?: bigint;
  /** ComponentHealth health = 5 */
  health?: ComponentHealth;
  /** EffectiveConfig effective_config = 6 */
  effective_config?: EffectiveConfig;
  /** RemoteConfigStatus remote_config_status = 7 */
  remote_config_status?: RemoteConfigStatus;
  /** PackageStatuses package_statuses = 8 */
  package_statuses?: PackageStatuses;
  /** AgentDisconnect agent_disconnect = 9 */
  agent_disconnect?: AgentDisconnect;
  /** uint64 flags = 10 */
  flags?: bigint;
  /** ConnectionSettingsRequest connection_settings_request = 11 */
  connection_settings_request?: ConnectionSettingsRequest;
  /** CustomCapabilities custom_capabilities = 12 */
  custom_capabilities?: CustomCapabilities;
  /** CustomMessage custom_message = 13 */
  custom_message?: CustomMessage;
  /** AvailableComponents available_components = 14 */
  available_components?: AvailableComponents;
  /** ConnectionSettingsStatus connection_settings_status = 15 */
  connection_settings_status?: ConnectionSettingsStatus;
}

/** opamp.proto.v1.AgentDisconnect (no fields) */
export type AgentDisconnect = Record<string, never>;

/** opamp.proto.v1.ConnectionSettingsRequest */
export interface ConnectionSettingsRequest {
  /** OpAMPConnectionSettingsRequest opamp = 1 */
  opamp?: OpAMPConnectionSettingsRequest;
}

/** opamp.proto.v1.OpAMPConnectionSettingsRequest */
export interface OpAMPConnectionSettingsRequest {
  /** CertificateRequest certificate_request = 1 */
  certificate_request?: CertificateRequest;
}

/** opamp.proto.v1.CertificateRequest */
export interface CertificateRequest {
  /** bytes csr = 1 */
  csr?: Uint8Array;
}

/** opamp.proto.v1.AvailableComponents */
export interface AvailableComponents {
  /** map<string, ComponentDetails> components = 1 */
  components?: Record<string, ComponentDetails>;
  /** bytes hash = 2 */
  hash?: Uint8Array;
}

/** opamp.proto.v1.ComponentDetails */
export interface ComponentDetails {
  /** repeated KeyValue metadata = 1 */
  metadata?: KeyValue[];
  /** map<string, ComponentDetails> sub_component_map = 2 */
  sub_component_map?: Record<string, ComponentDetails>;
}

/** opamp.proto.v1.ServerToAgent */
export interface ServerToAgent {
  /** bytes instance_uid = 1 */
  instance_uid?: Uint8Array;
  /** ServerErrorResponse error_response = 2 */
  error_response?: ServerErrorResponse;
  /** AgentRemoteConfig remote_config = 3 */
  remote_config?: AgentRemoteConfig;
  /** ConnectionSettingsOffers connection_settings = 4 */
  connection_settings?: ConnectionSettingsOffers;
  /** PackagesAvailable packages_available = 5 */
  packages_available?: PackagesAvailable;
  /** uint64 flags = 6 */
  flags?: number;
  /** uint64 capabilities = 7 */
  capabilities?: number;
  /** AgentIdentification agent_identification = 8 */
  agent_identification?: AgentIdentification;
  /** ServerToAgentCommand command = 9 */
  command?: ServerToAgentCommand;
  /** CustomCapabilities custom_capabilities = 10 */
  custom_capabilities?: CustomCapabilities;
  /** CustomMessage custom_message = 11 */
  custom_message?: CustomMessage;
}

/** opamp.proto.v1.OpAMPConnectionSettings */
export interface OpAMPConnectionSettings {
  /** string destination_endpoint = 1 */
  destination_endpoint?: string;
  /** Headers headers = 2 */
  headers?: Headers;
  /** TLSCertificate certificate = 3 */
  certificate?: TLSCertificate;
  /** uint64 heartbeat_interval_seconds = 4 */
  heartbeat_interval_seconds?: number;
  /** TLSConnectionSettings tls = 5 */
  tls?: TLSConnectionSettings;
  /** ProxyConnectionSettings proxy = 6 */
  proxy?: ProxyConnectionSettings;
}

/** opamp.proto.v1.TelemetryConnectionSettings */
export interface TelemetryConnectionSettings {
  /** string destination_endpoint = 1 */
  destination_endpoint?: string;
  /** Headers headers = 2 */
  headers?: Headers;
  /** TLSCertificate certificate = 3 */
  certificate?: TLSCertificate;
  /** TLSConnectionSettings tls = 4 */
  tls?: TLSConnectionSettings;
  /** ProxyConnectionSettings proxy = 5 */
  proxy?: ProxyConnectionSettings;
}

/** opamp.proto.v1.OtherConnectionSettings */
export interface OtherConnectionSettings {
  /** string destination_endpoint = 1 */
  destination_endpoint?: string;
  /** Headers headers = 2 */
  headers?: Headers;
  /** TLSCertificate certificate = 3 */
  certificate?: TLSCertificate;
  /** map<string, string> other_settings = 4 */
  other_settings?: Record<string, string>;
  /** TLSConnectionSettings tls = 5 */
  tls?: TLSConnectionSettings;
  /** ProxyConnectionSettings proxy = 6 */
  proxy?: ProxyConnectionSettings;
}

/** opamp.proto.v1.TLSConnectionSettings */
export interface TLSConnectionSettings {
  /** string ca_pem_contents = 1 */
  ca_pem_contents?: string;
  /** bool include_system_ca_certs_pool = 2 */
  include_system_ca_certs_pool?: boolean;
  /** bool insecure_skip_verify = 3 */
  insecure_skip_verify?: boolean;
  /** string min_version = 4 */
  min_version?: string;
  /** string max_version = 5 */
  max_version?: string;
  /** repeated string cipher_suites = 6 */
  cipher_suites?: string[];
}

/** opamp.proto.v1.ProxyConnectionSettings */
export interface ProxyConnectionSettings {
  /** string url = 1 */
  url?: string;
  /** Headers connect_headers = 2 */
  connect_headers?: Headers;
}

/** opamp.proto.v1.Headers */
export interface Headers {
  /** repeated Header headers = 1 */
  headers?: Header[];
}

/** opamp.proto.v1.Header */
export interface Header {
  /** string key = 1 */
  key?: string;
  /** string value = 2 */
  value?: string;
}

/** opamp.proto.v1.TLSCertificate */
export interface TLSCertificate {
  /** bytes cert = 1 */
  cert?: Uint8Array;
  /** bytes private_key = 2 */
  private_key?: Uint8Array;
  /** bytes ca_cert = 3 */
  ca_cert?: Uint8Array;
}

/** opamp.proto.v1.ConnectionSettingsOffers */
export interface ConnectionSettingsOffers {
  /** bytes hash = 1 */
  hash?: Uint8Array;
  /** OpAMPConnectionSettings opamp = 2 */
  opamp?: OpAMPConnectionSettings;
  /** TelemetryConnectionSettings own_metrics = 3 */
  own_metrics?: TelemetryConnectionSettings;
  /** TelemetryConnectionSettings own_traces = 4 */
  own_traces?: TelemetryConnectionSettings;
  /** TelemetryConnectionSettings own_logs = 5 */
  own_logs?: TelemetryConnectionSettings;
  /** map<string, OtherConnectionSettings> other_connections = 6 */
  other_connections?: Record<string, OtherConnectionSettings>;
}

/** opamp.proto.v1.PackagesAvailable */
export interface PackagesAvailable {
  /** map<string, PackageAvailable> packages = 1 */
  packages?: Record<string, PackageAvailable>;
  /** bytes all_packages_hash = 2 */
  all_packages_hash?: Uint8Array;
}

/** opamp.proto.v1.PackageAvailable */
export interface PackageAvailable {
  /** PackageType type = 1 */
  type?: number;
  /** string version = 2 */
  version?: string;
  /** DownloadableFile file = 3 */
  file?: DownloadableFile;
  /** bytes hash = 4 */
  hash?: Uint8Array;
}

/** opamp.proto.v1.DownloadableFile */
export interface DownloadableFile {
  /** string download_url = 1 */
  download_url?: string;
  /** bytes content_hash = 2 */
  content_hash?: Uint8Array;
  /** bytes signature = 3 */
  signature?: Uint8Array;
  /** Headers headers = 4 */
  headers?: Headers;
}

/** opamp.proto.v1.ServerErrorResponse */
export interface ServerErrorResponse {
  /** ServerErrorResponseType type = 1 */
  type?: number;
  /** string error_message = 2 */
  error_message?: string;
  /** RetryInfo retry_info = 3 (oneof Details) */
  retry_info?: RetryInfo;
}

/** opamp.proto.v1.RetryInfo */
export interface RetryInfo {
  /** uint64 retry_after_nanoseconds = 1 */
  retry_after_nanoseconds?: number;
}

/** opamp.proto.v1.ServerToAgentCommand */
export interface ServerToAgentCommand {
  /** CommandType type = 1 */
  type?: number;
}

/** opamp.proto.v1.AgentDescription */
export interface AgentDescription {
  /** repeated KeyValue identifying_attributes = 1 */
  identifying_attributes?: KeyValue[];
  /** repeated KeyValue non_identifying_attributes = 2 */
  non_identifying_attributes?: KeyValue[];
}

/** opamp.proto.v1.ComponentHealth */
export interface ComponentHealth {
  /** bool healthy = 1 */
  healthy?: boolean;
  /** fixed64 start_time_unix_nano = 2 */
  start_time_unix_nano?: bigint;
  /** string last_error = 3 */
  last_error?: string;
  /** string status = 4 */
  status?: string;
  /** fixed64 status_time_unix_nano = 5 */
  status_time_unix_nano?: bigint;
  /** map<string, ComponentHealth> component_health_map = 6 */
  component_health_map?: Record<string, ComponentHealth>;
}

/** opamp.proto.v1.EffectiveConfig */
export interface EffectiveConfig {
  /** AgentConfigMap config_map = 1 */
  config_map?: AgentConfigMap;
}

/** opamp.proto.v1.RemoteConfigStatus */
export interface RemoteConfigStatus {
  /** bytes last_remote_config_hash = 1 */
  last_remote_config_hash?: Uint8Array;
  /** RemoteConfigStatuses status = 2 */
  status?: number;
  /** string error_message = 3 */
  error_message?: string;
}

/** opamp.proto.v1.ConnectionSettingsStatus */
export interface ConnectionSettingsStatus {
  /** bytes last_connection_settings_hash = 1 */
  last_connection_settings_hash?: Uint8Array;
  /** ConnectionSettingsStatuses status = 2 */
  status?: number;
  /** string error_message = 3 */
  error_message?: string;
}

/** opamp.proto.v1.PackageStatuses */
export interface PackageStatuses {
  /** map<string, PackageStatus> packages = 1 */
  packages?: Record<string, PackageStatus>;
  /** bytes server_provided_all_packages_hash = 2 */
  server_provided_all_packages_hash?: Uint8Array;
  /** string error_message = 3 */
  error_message?: string;
}

/** opamp.proto.v1.PackageStatus */
export interface PackageStatus {
  /** string name = 1 */
  name?: string;
  /** string agent_has_version = 2 */
  agent_has_version?: string;
  /** bytes agent_has_hash = 3 */
  agent_has_hash?: Uint8Array;
  /** string server_offered_version = 4 */
  server_offered_version?: string;
  /** bytes server_offered_hash = 5 */
  server_offered_hash?: Uint8Array;
  /** PackageStatusEnum status = 6 */
  status?: number;
  /** string error_message = 7 */
  error_message?: string;
  /** PackageDownloadDetails download_details = 8 */
  download_details?: PackageDownloadDetails;
}

/** opamp.proto.v1.PackageDownloadDetails */
export interface PackageDownloadDetails {
  /** double download_percent = 1 */
  download_percent?: number;
  /** double download_bytes_per_second = 2 */
  download_bytes_per_second?: number;
}

/** opamp.proto.v1.AgentIdentification */
export interface AgentIdentification {
  /** bytes new_instance_uid = 1 */
  new_instance_uid?: Uint8Array;
}

/** opamp.proto.v1.AgentRemoteConfig */
export interface AgentRemoteConfig {
  /** AgentConfigMap config = 1 */
  config?: AgentConfigMap;
  /** bytes config_hash = 2 */
  config_hash?: Uint8Array;
}

/** opamp.proto.v1.AgentConfigMap */
export interface AgentConfigMap {
  /** map<string, AgentConfigFile> config_map = 1 */
  config_map?: Record<string, AgentConfigFile>;
}

/** opamp.proto.v1.AgentConfigFile */
export interface AgentConfigFile {
  /** bytes body = 1 */
  body?: Uint8Array;
  /** string content_type = 2 */
  content_type?: string;
}

/** opamp.proto.v1.CustomCapabilities */
export interface CustomCapabilities {
  /** repeated string capabilities = 1 */
  capabilities?: string[];
}

/** opamp.proto.v1.CustomMessage */
export interface CustomMessage {
  /** string capability = 1 */
  capability?: string;
  /** string type = 2 */
  type?: string;
  /** bytes data = 3 */
  data?: Uint8Array;
}

/** opamp.proto.v1.AnyValue */
export interface AnyValue {
  /** string string_value = 1 (oneof value) */
  string_value?: string;
  /** bool bool_value = 2 (oneof value) */
  bool_value?: boolean;
  /** int64 int_value = 3 (oneof value) */
  int_value?: bigint;
  /** double double_value = 4 (oneof value) */
  double_value?: number;
  /** ArrayValue array_value = 5 (oneof value) */
  array_value?: ArrayValue;
  /** KeyValueList kvlist_value = 6 (oneof value) */
  kvlist_value?: KeyValueList;
  /** bytes bytes_value = 7 (oneof value) */
  bytes_value?: Uint8Array;
}

/** opamp.proto.v1.ArrayValue */
export interface ArrayValue {
  /** repeated AnyValue values = 1 */
  values?: AnyValue[];
}

/** opamp.proto.v1.KeyValueList */
export interface KeyValueList {
  /** repeated KeyValue values = 1 */
  values?: KeyValue[];
}

/** opamp.proto.v1.KeyValue */
export interface KeyValue {
  /** string key = 1 */
  key?: string;
  /** AnyValue value = 2 */
  value?: AnyValue;
}

/** opamp.proto.v1.AgentToServerFlags */
export const AgentToServerFlags = {
  Unspecified: 0,
  RequestInstanceUid: 1,
} as const;

/** opamp.proto.v1.ServerToAgentFlags */
export const ServerToAgentFlags = {
  Unspecified: 0,
  ReportFullState: 1,
  ReportAvailableComponents: 2,
} as const;

/** opamp.proto.v1.ServerCapabilities */
export const ServerCapabilities = {
  Unspecified: 0,
  AcceptsStatus: 1,
  OffersRemoteConfig: 2,
  AcceptsEffectiveConfig: 4,
  OffersPackages: 8,
  AcceptsPackagesStatus: 0x00000010,
  OffersConnectionSettings: 0x00000020,
  AcceptsConnectionSettingsRequest: 0x00000040,
} as const;

/** opamp.proto.v1.PackageType */
export const PackageType = {
  TopLevel: 0,
  Addon: 1,
} as const;

/** opamp.proto.v1.ServerErrorResponseType */
export const ServerErrorResponseType = {
  Unknown: 0,
  BadRequest: 1,
  Unavailable: 2,
} as const;

/** opamp.proto.v1.CommandType */
export const CommandType = {
  Restart: 0,
} as const;

/** opamp.proto.v1.AgentCapabilities */
export const AgentCapabilities = {
  Unspecified: 0,
  ReportsStatus: 1,
  AcceptsRemoteConfig: 2,
  ReportsEffectiveConfig: 4,
  AcceptsPackages: 8,
  ReportsPackageStatuses: 0x00000010,
  ReportsOwnTraces: 0x00000020,
  ReportsOwnMetrics: 0x00000040,
  ReportsOwnLogs: 0x00000080,
  AcceptsOpAMPConnectionSettings: 0x00000100,
  AcceptsOtherConnectionSettings: 0x00000200,
  AcceptsRestartCommand: 0x00000400,
  ReportsHealth: 0x00000800,
  ReportsRemoteConfig: 0x00001000,
  ReportsHeartbeat: 0x00002000,
  ReportsAvailableComponents: 0x00004000,
  ReportsConnectionSettingsStatus: 0x00008000,
} as const;

/** opamp.proto.v1.ConnectionSettingsStatuses */
export const ConnectionSettingsStatuses = {
  UNSET: 0,
  APPLIED: 1,
  APPLYING: 2,
  FAILED: 3,
} as const;

/** opamp.proto.v1.RemoteConfigStatuses */
export const RemoteConfigStatuses = {
  UNSET: 0,
  APPLIED: 1,
  APPLYING: 2,
  FAILED: 3,
} as const;

/** opamp.proto.v1.PackageStatusEnum */
export const PackageStatusEnum = {
  Installed: 0,
  InstallPending: 1,
  Installing: 2,
  InstallFailed: 3,
  Downloading: 4,
} as const;
