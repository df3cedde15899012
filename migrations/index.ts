import { Foundation1763800000000 } from './1763800000000-foundation.js';
import { Agents1763800100000 } from './1763800100000-agents.js';
import { AgentOutbox1763800150000 } from './1763800150000-agent-outbox.js';
import { Configurations1763800200000 } from './1763800200000-configurations.js';
import { Packages1763800300000 } from './1763800300000-packages.js';
import { AgentPackageStatusesOnce1763800400000 } from './1763800400000-agent-package-statuses-once.js';
import { AgentsHotUpdates1763800500000 } from './1763800500000-agents-hot-updates.js';
import { ConfigurationPushes1763800600000 } from './1763800600000-configuration-pushes.js';
import { ConnectionSettings1763801000000 } from './1763801000000-connection-settings.js';
import { AgentsUint641763802000000 } from './1763802000000-agents-uint64.js';
import { OneOpenOffer1763803000000 } from './1763803000000-one-open-offer.js';
import { AgentReports1763804000000 } from './1763804000000-agent-reports.js';
import { RedactEffectiveConfigs1763804010000 } from './1763804010000-redact-effective-configs.js';
import { PackageSignatures1763807000000 } from './1763807000000-package-signatures.js';
import { ReleasedVersions1764200000000 } from './1764200000000-released-versions.js';
import { Rollouts1764200100000 } from './1764200100000-rollouts.js';
import { AuditLog1764300000000 } from './1764300000000-audit-log.js';
import { Webhooks1764300100000 } from './1764300100000-webhooks.js';
import { FleetSamples1764300200000 } from './1764300200000-fleet-samples.js';
import { DefaultRolloutPolicies1764400100000 } from './1764400100000-default-rollout-policies.js';
import { PackageRollouts1764400000000 } from './1764400000000-package-rollouts.js';
import { Uint64Defaults1764400200000 } from './1764400200000-uint64-defaults.js';
import { VacuumChurnedTables1764500000000 } from './1764500000000-vacuum-churned-tables.js';
import { PushesAnsweredAtOnce1764500100000 } from './1764500100000-pushes-answered-at-once.js';

/** Every migration, in order. New files are added here; TypeORM sorts them by their timestamp. */
export const migrations = [
  Foundation1763800000000,
  Agents1763800100000,
  AgentOutbox1763800150000,
  Configurations1763800200000,
  Packages1763800300000,
  AgentPackageStatusesOnce1763800400000,
  AgentsHotUpdates1763800500000,
  ConfigurationPushes1763800600000,
  ConnectionSettings1763801000000,
  AgentsUint641763802000000,
  OneOpenOffer1763803000000,
  AgentReports1763804000000,
  RedactEffectiveConfigs1763804010000,
  PackageSignatures1763807000000,
  ReleasedVersions1764200000000,
  Rollouts1764200100000,
  AuditLog1764300000000,
  Webhooks1764300100000,
  FleetSamples1764300200000,
  PackageRollouts1764400000000,
  DefaultRolloutPolicies1764400100000,
  Uint64Defaults1764400200000,
  VacuumChurnedTables1764500000000,
  PushesAnsweredAtOnce1764500100000,
];
