import protobuf from 'protobufjs';
import { loadOpampRoot, OPAMP_PACKAGE } from './opamp-root.js';

/**
 * The specification's messages, fields (type, name, number) and enum values, written out from
 * open-telemetry/opamp-spec proto/opamp/proto/v1/opamp.proto and anyvalue.proto (package
 * opamp.proto.v1). Our .proto files are parsed and must declare exactly these: a renamed or
 * renumbered field, a missing message or an extra one breaks real clients.
 */
const SPEC_MESSAGES: Record<string, string> = {
  AgentToServer:
    'bytes instance_uid=1; uint64 sequence_num=2; AgentDescription agent_description=3; uint64 capabilities=4; ' +
    'ComponentHealth health=5; EffectiveConfig effective_config=6; RemoteConfigStatus remote_config_status=7; ' +
    'PackageStatuses package_statuses=8; AgentDisconnect agent_disconnect=9; uint64 flags=10; ' +
    'ConnectionSettingsRequest connection_settings_request=11; CustomCapabilities custom_capabilities=12; ' +
    'CustomMessage custom_message=13; AvailableComponents available_components=14; ' +
    'ConnectionSettingsStatus connection_settings_status=15',
  AgentDisconnect: '',
  ConnectionSettingsRequest: 'OpAMPConnectionSettingsRequest opamp=1',
  OpAMPConnectionSettingsRequest: 'CertificateRequest certificate_request=1',
  CertificateRequest: 'bytes csr=1',
  AvailableComponents: 'map<string,ComponentDetails> components=1; bytes hash=2',
  ComponentDetails: 'repeated KeyValue metadata=1; map<string,ComponentDetails> sub_component_map=2',
  ServerToAgent:
    'bytes instance_uid=1; ServerErrorResponse error_response=2; AgentRemoteConfig remote_config=3; ' +
    'ConnectionSettingsOffers connection_settings=4; PackagesAvailable packages_available=5; uint64 flags=6; ' +
    'uint64 capabilities=7; AgentIdentification agent_identification=8; ServerToAgentCommand command=9; ' +
    'CustomCapabilities custom_capabilities=10; CustomMessage custom_message=11',
  OpAMPConnectionSettings:
    'string destination_endpoint=1; Headers headers=2; TLSCertificate certificate=3; ' +
    'uint64 heartbeat_interval_seconds=4; TLSConnectionSettings tls=5; ProxyConnectionSettings proxy=6',
  TelemetryConnectionSettings:
    'string destination_endpoint=1; Headers headers=2; TLSCertificate certificate=3; TLSConnectionSettings tls=4; ' +
    'ProxyConnectionSettings proxy=5',
  OtherConnectionSettings:
    'string destination_endpoint=1; Headers headers=2; TLSCertificate certificate=3; ' +
    'map<string,string> other_settings=4; TLSConnectionSettings tls=5; ProxyConnectionSettings proxy=6',
  TLSConnectionSettings:
    'string ca_pem_contents=1; bool include_system_ca_certs_pool=2; bool insecure_skip_verify=3; ' +
    'string min_version=4; string max_version=5; repeated string cipher_suites=6',
  ProxyConnectionSettings: 'string url=1; Headers connect_headers=2',
  Headers: 'repeated Header headers=1',
  Header: 'string key=1; string value=2',
  TLSCertificate: 'bytes cert=1; bytes private_key=2; bytes ca_cert=3',
  ConnectionSettingsOffers:
    'bytes hash=1; OpAMPConnectionSettings opamp=2; TelemetryConnectionSettings own_metrics=3; ' +
    'TelemetryConnectionSettings own_traces=4; TelemetryConnectionSettings own_logs=5; ' +
    'map<string,OtherConnectionSettings> other_connections=6',
  PackagesAvailable: 'map<string,PackageAvailable> packages=1; bytes all_packages_hash=2',
  PackageAvailable: 'PackageType type=1; string version=2; DownloadableFile file=3; bytes hash=4',
  DownloadableFile: 'string download_url=1; bytes content_hash=2; bytes signature=3; Headers headers=4',
  ServerErrorResponse: 'ServerErrorResponseType type=1; string error_message=2; RetryInfo retry_info=3 oneof Details',
  RetryInfo: 'uint64 retry_after_nanoseconds=1',
  ServerToAgentCommand: 'CommandType type=1',
  AgentDescription: 'repeated KeyValue identifying_attributes=1; repeated KeyValue non_identifying_attributes=2',
  ComponentHealth:
    'bool healthy=1; fixed64 start_time_unix_nano=2; string last_error=3; string status=4; ' +
    'fixed64 status_time_unix_nano=5; map<string,ComponentHealth> component_health_map=6',
  EffectiveConfig: 'AgentConfigMap config_map=1',
  RemoteConfigStatus: 'bytes last_remote_config_hash=1; RemoteConfigStatuses status=2; string error_message=3',
  ConnectionSettingsStatus:
    'bytes last_connection_settings_hash=1; ConnectionSettingsStatuses status=2; string error_message=3',
  PackageStatuses:
    'map<string,PackageStatus> packages=1; bytes server_provided_all_packages_hash=2; string error_message=3',
  PackageStatus:
    'string name=1; string agent_has_version=2; bytes agent_has_hash=3; string server_offered_version=4; ' +
    'bytes server_offered_hash=5; PackageStatusEnum status=6; string error_message=7; ' +
    'PackageDownloadDetails download_details=8',
  PackageDownloadDetails: 'double download_percent=1; double download_bytes_per_second=2',
  AgentIdentification: 'bytes new_instance_uid=1',
  AgentRemoteConfig: 'AgentConfigMap config=1; bytes config_hash=2',
  AgentConfigMap: 'map<string,AgentConfigFile> config_map=1',
  AgentConfigFile: 'bytes body=1; string content_type=2',
  CustomCapabilities: 'repeated string capabilities=1',
  CustomMessage: 'string capability=1; string type=2; bytes data=3',
  // anyvalue.proto
  AnyValue:
    'string string_value=1 oneof value; bool bool_value=2 oneof value; int64 int_value=3 oneof value; ' +
    'double double_value=4 oneof value; ArrayValue array_value=5 oneof value; ' +
    'KeyValueList kvlist_value=6 oneof value; bytes bytes_value=7 oneof value',
  ArrayValue: 'repeated AnyValue values=1',
  KeyValueList: 'repeated KeyValue values=1',
  KeyValue: 'string key=1; AnyValue value=2',
};

const SPEC_ENUMS: Record<string, Record<string, number>> = {
  AgentToServerFlags: { Unspecified: 0, RequestInstanceUid: 0x1 },
  ServerToAgentFlags: { Unspecified: 0, ReportFullState: 0x1, ReportAvailableComponents: 0x2 },
  ServerCapabilities: {
    Unspecified: 0,
    AcceptsStatus: 0x1,
    OffersRemoteConfig: 0x2,
    AcceptsEffectiveConfig: 0x4,
    OffersPackages: 0x8,
    AcceptsPackagesStatus: 0x10,
    OffersConnectionSettings: 0x20,
    AcceptsConnectionSettingsRequest: 0x40,
  },
  PackageType: { TopLevel: 0, Addon: 1 },
  ServerErrorResponseType: { Unknown: 0, BadRequest: 1, Unavailable: 2 },
  CommandType: { Restart: 0 },
  AgentCapabilities: {
    Unspecified: 0,
    ReportsStatus: 0x1,
    AcceptsRemoteConfig: 0x2,
    ReportsEffectiveConfig: 0x4,
    AcceptsPackages: 0x8,
    ReportsPackageStatuses: 0x10,
    ReportsOwnTraces: 0x20,
    ReportsOwnMetrics: 0x40,
    ReportsOwnLogs: 0x80,
    AcceptsOpAMPConnectionSettings: 0x100,
    AcceptsOtherConnectionSettings: 0x200,
    AcceptsRestartCommand: 0x400,
    ReportsHealth: 0x800,
    ReportsRemoteConfig: 0x1000,
    ReportsHeartbeat: 0x2000,
    ReportsAvailableComponents: 0x4000,
    ReportsConnectionSettingsStatus: 0x8000,
  },
  ConnectionSettingsStatuses: { UNSET: 0, APPLIED: 1, APPLYING: 2, FAILED: 3 },
  RemoteConfigStatuses: { UNSET: 0, APPLIED: 1, APPLYING: 2, FAILED: 3 },
  PackageStatusEnum: { Installed: 0, InstallPending: 1, Installing: 2, InstallFailed: 3, Downloading: 4 },
};

function describeField(field: protobuf.Field): string {
  const type =
    field instanceof protobuf.MapField
      ? `map<${field.keyType},${field.type}>`
      : `${field.repeated ? 'repeated ' : ''}${field.type}`;
  return `${type} ${field.name}=${field.id}${field.partOf ? ` oneof ${field.partOf.name}` : ''}`;
}

describe('proto/opamp/v1 against the OpAMP specification', () => {
  const root = loadOpampRoot();
  const pkg = root.lookup(OPAMP_PACKAGE) as protobuf.Namespace;
  const ours = pkg.nestedArray;

  it(`declares the specification's package ${OPAMP_PACKAGE}`, () => {
    expect(OPAMP_PACKAGE).toBe('opamp.proto.v1');
    expect(root.lookupType('opamp.proto.v1.AgentToServer').fullName).toBe('.opamp.proto.v1.AgentToServer');
  });

  it('has exactly the specification messages, with the same field types, names and numbers', () => {
    const messages = ours.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
    expect(messages.map((m) => m.name).sort()).toEqual(Object.keys(SPEC_MESSAGES).sort());
    for (const message of messages) {
      const fields = message.fieldsArray.map(describeField).join('; ');
      expect(`${message.name}: ${fields}`).toBe(`${message.name}: ${SPEC_MESSAGES[message.name]}`);
    }
  });

  it('has exactly the specification enums and values', () => {
    const enums = ours.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum);
    expect(enums.map((e) => e.name).sort()).toEqual(Object.keys(SPEC_ENUMS).sort());
    for (const e of enums) {
      const expected = Object.fromEntries(
        Object.entries(SPEC_ENUMS[e.name]).map(([name, value]) => [`${e.name}_${name}`, value]),
      );
      expect({ [e.name]: e.values }).toEqual({ [e.name]: expected });
    }
  });

  it('declares nothing outside the package', () => {
    expect(root.nestedArray.map((n) => n.name)).toEqual(['opamp']);
    expect((root.lookup('opamp') as protobuf.Namespace).nestedArray.map((n) => n.name)).toEqual(['proto']);
  });
});
