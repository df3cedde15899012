import { api, type User } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Labels } from '../components/Labels.js';
import { timeAgo } from '../format.js';
import { linkProps } from '../router.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';

export function ConfigurationsPage({ user }: { user: User }) {
  const list = useAsync(() => api.configurations(), []);
  return (
    <section>
      <div class="title-row">
        <h1>Configurations</h1>
        {can(user, 'operator') && (
          <a class="button primary" {...linkProps('/configurations/new')}>
            New configuration
          </a>
        )}
      </div>
      <ErrorMessage error={list.error} />
      <table class="table" data-testid="configurations-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Version</th>
            <th>Selector</th>
            <th>Priority</th>
            <th>Auto push</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.length === 0 && (
            <tr>
              <td colSpan={6} class="muted">
                No configurations yet.
              </td>
            </tr>
          )}
          {list.data?.map((c) => (
            <tr key={c.id}>
              <td>
                <a {...linkProps(`/configurations/${c.name}`)}>{c.name}</a>
              </td>
              <td>v{c.version}</td>
              <td>
                <Labels labels={c.selector} />
              </td>
              <td>{c.priority}</td>
              <td>{c.auto_push ? 'yes' : 'no'}</td>
              <td>
                {timeAgo(c.updated_at)} {c.updated_by && <span class="muted">by {c.updated_by}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
