import fs from 'node:fs';
import { parse } from 'yaml';

/**
 * docker compose cannot run on the test machines; these are the checks `docker compose config`
 * would make, plus the ones it would not: pinned images, required variables documented in
 * .env.example, and no variable passed to the platform that its configuration does not know.
 */
interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  env_file?: Array<{ path: string; required?: boolean }>;
}

const composeText = fs.readFileSync('docker-compose.yml', 'utf8');
const compose = parse(composeText) as { services: Record<string, Service> };
const envExample = new Set(
  fs
    .readFileSync('.env.example', 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined),
);
/** Every variable loadConfig reads (src/config/app-config.ts names each one once, quoted). */
const knownToApp = new Set(
  [...fs.readFileSync('src/config/app-config.ts', 'utf8').matchAll(/r\.\w+\('([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]),
);

describe('docker-compose.yml', () => {
  it('pins every image to a release (no latest, no missing tag)', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build !== undefined) {
        continue;
      }
      const tag = /:([^/:]+)$/.exec(service.image ?? '')?.[1];
      expect({ name, tag }).toEqual({ name, tag: expect.stringMatching(/^(?!latest$).+/) });
    }
    expect(compose.services.minio.image).toMatch(/:RELEASE\.\d{4}-\d{2}-\d{2}T/);
  });

  it('requires OPAMP_PUBLIC_URL instead of defaulting it to localhost', () => {
    const value = compose.services['opamp-platform'].environment?.OPAMP_PUBLIC_URL ?? '';
    expect(value).toMatch(/^\$\{OPAMP_PUBLIC_URL:\?/);
    expect(value).not.toMatch(/localhost|127\.0\.0\.1/);
  });

  it('documents in .env.example every variable compose interpolates', () => {
    const referenced = new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
    expect(referenced.size).toBeGreaterThan(5);
    expect([...referenced].filter((name) => !envExample.has(name))).toEqual([]);
  });

  it('passes the platform only variables its configuration knows, and reads .env', () => {
    const platform = compose.services['opamp-platform'];
    expect(knownToApp.size).toBeGreaterThan(30);
    expect(Object.keys(platform.environment ?? {}).filter((name) => !knownToApp.has(name))).toEqual([]);
    expect(platform.env_file).toEqual([{ path: '.env', required: false }]);
  });

  it('.env.example lists only variables the platform knows, apart from the compose-only section', () => {
    const composeOnly = new Set(['POSTGRES_PASSWORD', 'MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD']);
    expect([...envExample].filter((name) => !knownToApp.has(name) && !composeOnly.has(name))).toEqual([]);
  });
});
