import type { PackageAssignmentEntity } from './package-assignment.entity.js';
import type { PackageDeploymentsRepository } from './package-deployments.repository.js';
import { PackageDeploymentsService } from './package-deployments.service.js';
import type { PackageEntity } from './package.entity.js';
import type { PackageEvents } from './package-events.js';
import type { PackageWakeups } from './package-wakeups.js';
import type { PackagesRepository } from './packages.repository.js';
import type { PackagesService } from './packages.service.js';
import type { HeldReach } from './held-assignments.js';

const pkg = (id: number, version: string): PackageEntity =>
  ({
    id,
    name: 'otelcol',
    version,
    versionSortKey: version,
    checksum: 'ab'.repeat(32),
    signature: null,
    isActive: true,
  }) as unknown as PackageEntity;

const V1 = pkg(1, '1.0.0');
const V2 = pkg(2, '2.0.0');

const assignment = (id: number, p: PackageEntity, held: boolean): PackageAssignmentEntity =>
  ({
    id,
    packageId: p.id,
    package: p,
    selector: { env: 'prod' },
    agentIds: null,
    held,
  }) as unknown as PackageAssignmentEntity;

const agent = (uid: string, env = 'prod') => ({
  instanceUid: uid,
  labels: { env },
  identifyingAttributes: {},
  nonIdentifyingAttributes: {},
});

/** The in-memory matching of held assignments: who a rollout reached, and who it rolled back. */
describe('PackageDeploymentsService.desiredFor with held assignments', () => {
  let assignments: PackageAssignmentEntity[];
  let reach: Map<number, HeldReach>;
  let sut: PackageDeploymentsService;

  beforeEach(() => {
    assignments = [assignment(7, V2, true)];
    reach = new Map([[7, { agents: new Set(['reached']), reverted: new Map([['rolled-back', V1.id]]) }]]);
    const repository = { allAssignments: () => Promise.resolve(assignments) };
    const packageRows = { findById: (id: number) => Promise.resolve([V1, V2].find((p) => p.id === id) ?? null) };
    const wakeups = { changed: () => Promise.resolve() };
    sut = new PackageDeploymentsService(
      repository as unknown as PackageDeploymentsRepository,
      packageRows as unknown as PackagesRepository,
      {} as PackagesService,
      wakeups as unknown as PackageWakeups,
      {} as PackageEvents,
    );
    // A copy per load, as a query would give: the cache must not see later changes by itself.
    const copy = (r: HeldReach): HeldReach => ({ agents: new Set(r.agents), reverted: new Map(r.reverted) });
    sut.registerHeldSource({ reachOf: (ids) => Promise.resolve(new Map(ids.map((id) => [id, copy(reach.get(id)!)]))) });
  });

  const versionFor = async (uid: string, env?: string) =>
    (await sut.desiredFor(agent(uid, env)))?.packages.map((p) => p.version);

  it('offers a held assignment only to the agents a rollout reached', async () => {
    expect(await versionFor('reached')).toEqual(['2.0.0']);
    expect(await versionFor('waiting')).toBeUndefined();
    // The selector still applies to reached agents.
    expect(await versionFor('reached', 'dev')).toBeUndefined();
  });

  it('offers rolled-back agents the build they had before, not the held one', async () => {
    expect(await versionFor('rolled-back')).toEqual(['1.0.0']);
  });

  it('leaves agents not reached with what other, released assignments give them', async () => {
    assignments = [assignment(7, V2, true), assignment(3, V1, false)];
    expect(await versionFor('waiting')).toEqual(['1.0.0']);
    expect(await versionFor('reached')).toEqual(['2.0.0']);
  });

  it('sees a new reach at once after reachChanged, without waiting for the cache to expire', async () => {
    expect(await versionFor('waiting')).toBeUndefined();
    reach.get(7)!.agents.add('waiting');
    expect(await versionFor('waiting')).toBeUndefined();
    await sut.reachChanged('stage 2');
    expect(await versionFor('waiting')).toEqual(['2.0.0']);
  });

  it('does not keep a load that raced with a change', async () => {
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const racing = new PackageDeploymentsService(
      {
        allAssignments: async () => {
          loads += 1;
          if (loads === 1) {
            await gate;
          }
          return assignments;
        },
      } as unknown as PackageDeploymentsRepository,
      {} as PackagesRepository,
      {} as PackagesService,
      { changed: () => Promise.resolve() } as unknown as PackageWakeups,
      {} as PackageEvents,
    );
    const first = racing.desiredFor(agent('reached'));
    await racing.reachChanged('stage 2');
    release();
    await first;
    await racing.desiredFor(agent('reached'));
    expect(loads).toBe(2);
    await racing.desiredFor(agent('reached'));
    expect(loads).toBe(2);
  });

  it('shares one load between callers that ask while it runs', async () => {
    let loads = 0;
    const shared = new PackageDeploymentsService(
      {
        allAssignments: () => {
          loads += 1;
          return Promise.resolve(assignments);
        },
      } as unknown as PackageDeploymentsRepository,
      {} as PackagesRepository,
      {} as PackagesService,
      {} as PackageWakeups,
      {} as PackageEvents,
    );
    await Promise.all(['a', 'b', 'c'].map((uid) => shared.desiredFor(agent(uid))));
    expect(loads).toBe(1);
  });

  it('reaches nobody when no rollout answers for held assignments', async () => {
    const alone = new PackageDeploymentsService(
      { allAssignments: () => Promise.resolve(assignments) } as unknown as PackageDeploymentsRepository,
      {} as PackagesRepository,
      {} as PackagesService,
      {} as PackageWakeups,
      {} as PackageEvents,
    );
    expect(await alone.desiredFor(agent('reached'))).toBeUndefined();
  });
});
