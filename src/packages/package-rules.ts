/** Operating systems a package may target (GOOS names, as the seed used). */
export const PACKAGE_PLATFORMS = ['linux', 'windows', 'darwin'] as const;

/** CPU architectures a package may target (GOARCH names). */
export const PACKAGE_ARCHES = ['amd64', 'arm64', '386', 'arm', 'ppc64le', 's390x', 'riscv64', 'loong64'] as const;

/** Letters, digits, '.', '_' and '-', starting with a letter or digit: no '/', so no path tricks. */
export const PACKAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The regular expression semver.org publishes for strict versions. */
export const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** The uploaded file name reduced to characters safe in a header and on any file system. */
export function safeFileName(original: string | undefined, fallback: string): string {
  const base = (original ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 200);
  return cleaned === '' ? fallback : cleaned;
}

/** A signature sent as text: armored as is, otherwise base64 of the binary signature; undefined when neither. */
export function decodeSignatureText(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN PGP SIGNATURE-----')) {
    return Buffer.from(trimmed, 'utf8');
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    return undefined;
  }
  return Buffer.from(trimmed, 'base64');
}
