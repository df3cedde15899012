import crypto from 'node:crypto';
import { PackageType } from '../opamp/proto/opamp.types.js';

/** What an agent is offered for one package name. */
export interface OfferedPackage {
  packageId: number;
  name: string;
  version: string;
  /** SHA-256 of the file, hex. */
  checksum: string;
  signature: Buffer | null;
}

/** The labels and attributes a selector is matched against (see agentLabelSet for precedence). */
export interface AgentFacts {
  instanceUid: string;
  labels: Record<string, string>;
  identifyingAttributes: Record<string, string>;
  nonIdentifyingAttributes: Record<string, string>;
}

/**
 * PackageAvailable.hash: the specification asks for a hash over the other fields and the file's
 * content; the content hash stands for the content. The URL is left out on purpose: it is signed
 * and expires, and must not make an unchanged package look new.
 */
export function packageHash(pkg: OfferedPackage): Buffer {
  return crypto
    .createHash('sha256')
    .update(`type=${PackageType.TopLevel}\nversion=${pkg.version}\ncontent=${pkg.checksum}\n`)
    .digest();
}

/** PackagesAvailable.all_packages_hash: over the names in sorted order and each package's hash. */
export function allPackagesHash(packages: OfferedPackage[]): Buffer {
  const hash = crypto.createHash('sha256');
  for (const pkg of [...packages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${pkg.name}\n`).update(packageHash(pkg)).update('\n');
  }
  return hash.digest();
}
