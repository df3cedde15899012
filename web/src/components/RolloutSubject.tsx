import type { Rollout } from '../api.js';
import { linkProps } from '../router.js';

type RolloutLike = Pick<Rollout, 'configuration' | 'from_version' | 'to_version' | 'package'>;

/** What a rollout takes to its agents: a configuration, or a package shown as name@version. */
export function RolloutSubject({ rollout: r, href }: { rollout: RolloutLike; href?: string }) {
  const label = r.package ? `${r.package.name}@${r.package.version}` : (r.configuration ?? '');
  const target = href ?? (r.package ? '/packages' : `/configurations/${label}`);
  return (
    <a {...linkProps(target)} data-testid="rollout-subject">
      {label}
    </a>
  );
}

/** The change it makes: v1 → v2 of a configuration, or the package version agents go to. */
export function rolloutChange(r: RolloutLike): string {
  return r.package ? `→ ${r.package.version}` : `v${r.from_version} → v${r.to_version}`;
}
