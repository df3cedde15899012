import type { AgentEvents } from '../agents/agent-events.js';
import type { AgentInventoryHandler } from '../agents/agent-inventory.handler.js';
import type { DesiredConfigCache } from '../configurations/desired-config.cache.js';
import { SecretRedactor, type ConfigEntry } from '../redaction/secret-redactor.js';
import { SecretRules } from '../redaction/secret-rules.js';
import type { DriftInputs, DriftRepository } from './drift.repository.js';
import { DriftService } from './drift.service.js';

const UID = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const DESIRED = 'exporters:\n  otlphttp:\n    endpoint: https://ingest.example.com\n';
const EFFECTIVE: Record<string, ConfigEntry> = {
  '': {
    body: 'exporters:\n  debug:\n    verbosity: detailed\n  otlphttp:\n    endpoint: https://ingest.example.com\n',
    content_type: 'text/yaml',
  },
};

/** The agent's row as the database holds it before the batched write of its effective config commits. */
const rowBeforeWrite = (): DriftInputs => ({
  instance_uid: UID,
  capabilities: 0,
  effective_config: null,
  remote_config_hash: 'aa',
  remote_config_status: 'APPLIED',
  configuration_id: 'c1',
  configuration_name: 'drift-config',
  version: 1,
  desired_config_hash: 'aa',
});

/**
 * The report of one agent's drift, while the write of its effective config commits during the
 * report's read of the row: the row read has no effective config yet, and this instance forgets
 * its copy once the write is done.
 */
describe('DriftService.report', () => {
  function setUp(): { drift: DriftService; inputsCalls: string[][] } {
    let unwritten: Record<string, ConfigEntry> | null = EFFECTIVE;
    const inputsCalls: string[][] = [];
    const repository = {
      inputs: (_uids: string[], held: string[] = []) => {
        inputsCalls.push(held);
        // The write commits while the row is read (the snapshot is older than the commit).
        unwritten = null;
        return Promise.resolve([rowBeforeWrite()]);
      },
      checkedAt: () => Promise.resolve({ drift_status: 'drifted', drift_checked_at: new Date() }),
    } as unknown as DriftRepository;
    const inventory = {
      unwrittenEffectiveConfig: () => unwritten,
    } as unknown as AgentInventoryHandler;
    const cache = {
      content: () =>
        Promise.resolve({
          configurationId: 'c1',
          version: 1,
          configHash: 'aa',
          fileName: '',
          contentType: 'text/yaml',
          rawConfig: DESIRED,
        }),
    } as unknown as DesiredConfigCache;
    const redactor = new SecretRedactor(Buffer.from('unit-test-key'), new SecretRules());
    const drift = new DriftService(repository, cache, redactor, inventory, {} as AgentEvents);
    return { drift, inputsCalls };
  }

  it('compares the copy this instance held when the report began, not the row read before its write', async () => {
    const { drift, inputsCalls } = setUp();
    const report = await drift.report(UID);
    expect(report.differences).toEqual([
      { file: '', path: 'exporters.debug', desired: null, effective: { verbosity: 'detailed' } },
    ]);
    expect(report.unifiedDiff).toContain('+  debug:');
    // The row's copy is not read when this instance holds the agent's latest.
    expect(inputsCalls).toEqual([[UID]]);
  });
});
