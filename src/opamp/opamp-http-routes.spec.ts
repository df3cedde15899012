import { Injectable, Scope, type Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { OpampHttpRoute, OpampHttpRoutes, type OpampHttpRouteHandler } from './opamp-http-routes.js';

@Injectable()
@OpampHttpRoute('/v1/packages/')
class PackagesRoute implements OpampHttpRouteHandler {
  handle(): Promise<void> {
    return Promise.resolve();
  }
}

@Injectable()
@OpampHttpRoute('/v1/files/')
class FilesRoute extends PackagesRoute {}

@Injectable()
@OpampHttpRoute('/v1/')
class EverythingRoute extends PackagesRoute {}

@Injectable()
@OpampHttpRoute('/v1/opamp/extra')
class ReservedRoute extends PackagesRoute {}

@Injectable({ scope: Scope.REQUEST })
@OpampHttpRoute('/v1/scoped/')
class RequestScopedRoute extends PackagesRoute {}

async function boot(providers: Type[]): Promise<TestingModule> {
  const app = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [OpampHttpRoutes, ...providers],
  }).compile();
  return app.init();
}

describe('OpampHttpRoutes discovery', () => {
  it('routes a path to the provider whose prefix it starts with, and nothing else', async () => {
    const app = await boot([PackagesRoute, FilesRoute]);
    const sut = app.get(OpampHttpRoutes);
    expect(sut.match('/v1/packages/7/download')).toBe(app.get(PackagesRoute));
    expect(sut.match('/v1/files/a')).toBe(app.get(FilesRoute));
    expect(sut.match('/v1/other')).toBeUndefined();
    await app.close();
  });

  it('refuses at bootstrap prefixes that overlap (which one won would depend on module order)', async () => {
    await expect(boot([PackagesRoute, EverythingRoute])).rejects.toThrow(/\/v1\/packages\/.*\/v1\/.*overlap/);
  });

  it('refuses at bootstrap a route under the OpAMP endpoint itself', async () => {
    await expect(boot([ReservedRoute])).rejects.toThrow('"/v1/opamp/extra" is not a path outside /v1/opamp');
  });

  it('refuses at bootstrap a request-scoped route (it has no instance to call)', async () => {
    await expect(boot([RequestScopedRoute])).rejects.toThrow(
      'OpAMP HTTP route RequestScopedRoute (in RootTestModule) must be a singleton provider',
    );
  });
});
