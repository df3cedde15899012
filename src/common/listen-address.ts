import os from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** A host this process can reach its own listener on: loopback for a wildcard bind, else the bound address. */
export function localHost(bindHost: string): string {
  return WILDCARDS.has(bindHost) ? '127.0.0.1' : hostForUrl(bindHost);
}

/**
 * The hosts other machines may use to reach a listener bound to `bindHost`: every non-loopback
 * address of this machine for a wildcard bind (IPv4 first), `localhost` when there is none.
 */
export function reachableHosts(
  bindHost: string,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string[] {
  if (!WILDCARDS.has(bindHost)) {
    return [hostForUrl(bindHost)];
  }
  const external = Object.values(interfaces)
    .flat()
    .filter((i): i is os.NetworkInterfaceInfo => i !== undefined && !i.internal)
    .filter((i) => bindHost === '::' || i.family === 'IPv4')
    .filter((i) => !(i.family === 'IPv6' && i.address.startsWith('fe80')))
    .sort((a, b) => (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1))
    .map((i) => hostForUrl(i.address));
  return external.length > 0 ? [...new Set(external)] : ['localhost'];
}
