import { useState } from 'preact/hooks';
import { api, type AuditQuery, type AuditRecord } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { dateTime } from '../format.js';
import { useAsync } from '../use-async.js';

const PAGE_SIZE = 50;

type Filters = Pick<AuditQuery, 'actor' | 'resource' | 'resource_id' | 'action'>;

function actor(record: AuditRecord): string {
  return record.actor_name ?? record.actor_id ?? record.actor_type;
}

/** What a change did, shown on demand: before/after (secrets were left out when it was recorded). */
function Change({ record }: { record: AuditRecord }) {
  if (!record.before && !record.after && !record.request) {
    return <span class="muted">-</span>;
  }
  return (
    <details>
      <summary>show</summary>
      {record.before && (
        <>
          <h4>Before</h4>
          <pre class="mono small">{JSON.stringify(record.before, null, 2)}</pre>
        </>
      )}
      {record.after && (
        <>
          <h4>After</h4>
          <pre class="mono small">{JSON.stringify(record.after, null, 2)}</pre>
        </>
      )}
      {record.request && (
        <>
          <h4>Request</h4>
          <pre class="mono small">{JSON.stringify(record.request, null, 2)}</pre>
        </>
      )}
    </details>
  );
}

/** Every change made through the API: who, what, when, from where (admin). Records cannot be edited. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filters>({});
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const records = useAsync(() => api.audit({ ...filters, page, page_size: PAGE_SIZE }), [filters, page]);
  const field = (name: keyof Filters, label: string) => (
    <label>
      {label}
      <input
        name={name}
        value={draft[name] ?? ''}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value.trim() || undefined })}
      />
    </label>
  );
  return (
    <section>
      <h1>Audit log</h1>
      <p class="muted">Every change made through the API, newest first. Refused writes are recorded as failures.</p>
      <form
        class="card filters"
        data-testid="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setPage(1);
          setFilters(draft);
        }}
      >
        {field('actor', 'Actor')}
        {field('resource', 'Resource')}
        {field('resource_id', 'Resource id')}
        {field('action', 'Action')}
        <button type="submit" class="primary">
          Filter
        </button>
      </form>
      <ErrorMessage error={records.error} />
      <table class="table" data-testid="audit-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Resource</th>
            <th>Outcome</th>
            <th>From</th>
            <th>Change</th>
          </tr>
        </thead>
        <tbody>
          {records.data?.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                No records match.
              </td>
            </tr>
          )}
          {records.data?.map((record) => (
            <tr key={record.id}>
              <td>{dateTime(record.at)}</td>
              <td>{actor(record)}</td>
              <td>{record.action}</td>
              <td>
                {record.resource}
                {record.resource_id && <span class="mono small"> {record.resource_id}</span>}
              </td>
              <td>
                <StatusBadge value={record.outcome} /> <span class="muted small">{record.status_code}</span>
              </td>
              <td class="small">
                {record.client_ip ?? '-'}
                {record.request_id && <div class="mono muted">{record.request_id}</div>}
              </td>
              <td>
                <Change record={record} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="pager">
        <button disabled={page === 1} onClick={() => setPage(page - 1)}>
          Newer
        </button>
        <span class="muted">Page {page}</span>
        <button disabled={(records.data?.length ?? 0) < PAGE_SIZE} onClick={() => setPage(page + 1)}>
          Older
        </button>
      </div>
    </section>
  );
}
