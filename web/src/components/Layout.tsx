import type { ComponentChildren } from 'preact';
import type { User } from '../api.js';
import { linkProps } from '../router.js';
import { can } from '../session.js';

interface Props {
  user: User;
  path: string;
  onLogout: () => void;
  children: ComponentChildren;
}

export function Layout({ user, path, onLogout, children }: Props) {
  const links: Array<[string, string, boolean]> = [
    ['/overview', 'Overview', true],
    ['/agents', 'Agents', true],
    ['/configurations', 'Configurations', true],
    ['/rollouts', 'Rollouts', true],
    ['/rollout-policies', 'Rollout policies', true],
    ['/packages', 'Packages', true],
    ['/connection-settings', 'Connection settings', true],
    ['/users', 'Users', can(user, 'admin')],
    ['/agent-keys', 'Agent keys', can(user, 'admin')],
    ['/signing-keys', 'Signing keys', can(user, 'admin')],
    ['/audit', 'Audit log', can(user, 'admin')],
  ];
  return (
    <div class="layout">
      <header class="topbar">
        <span class="brand">OpAMP Platform</span>
        <nav>
          {links
            .filter(([, , visible]) => visible)
            .map(([href, label]) => (
              <a key={href} class={path.startsWith(href) ? 'active' : ''} {...linkProps(href)}>
                {label}
              </a>
            ))}
        </nav>
        <span class="whoami">
          <a
            class={path.startsWith('/account') ? 'active' : ''}
            title="Account and password"
            {...linkProps('/account')}
          >
            {user.username}
          </a>{' '}
          <span class="role">{user.role}</span>
          <button class="link" onClick={onLogout}>
            Sign out
          </button>
        </span>
      </header>
      <main>{children}</main>
    </div>
  );
}
