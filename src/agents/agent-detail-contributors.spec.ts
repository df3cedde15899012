import { Injectable, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { AgentDetailContributor, AgentDetailContributors } from './agent-detail-contributors.js';

@Injectable()
@AgentDetailContributor('configuration')
class ConfigurationField implements AgentDetailContributor {
  contribute(instanceUid: string): Promise<unknown> {
    return Promise.resolve({ of: instanceUid });
  }
}

@Injectable()
@AgentDetailContributor('package_statuses')
class PackagesField implements AgentDetailContributor {
  contribute(): Promise<unknown> {
    return Promise.resolve([]);
  }
}

@Injectable()
@AgentDetailContributor('configuration')
class OtherConfigurationField extends PackagesField {}

/** Has the method, lacks the decorator: not asked. */
@Injectable()
class Undecorated implements AgentDetailContributor {
  contribute(): Promise<unknown> {
    return Promise.reject(new Error('must not be called'));
  }
}

async function boot(providers: Type[]): Promise<TestingModule> {
  const app = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [AgentDetailContributors, ...providers],
  }).compile();
  return app.init();
}

describe('AgentDetailContributors discovery', () => {
  it('fills one field per decorated provider and ignores undecorated ones', async () => {
    const app = await boot([ConfigurationField, Undecorated, PackagesField]);
    await expect(app.get(AgentDetailContributors).collect('uid-1')).resolves.toEqual({
      configuration: { of: 'uid-1' },
      package_statuses: [],
    });
    await app.close();
  });

  it('refuses at bootstrap two providers filling the same field', async () => {
    await expect(boot([ConfigurationField, OtherConfigurationField])).rejects.toThrow(
      'Agent detail contributors ConfigurationField and OtherConfigurationField both fill "configuration"',
    );
  });
});
