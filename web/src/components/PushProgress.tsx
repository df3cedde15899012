import { useEffect } from 'preact/hooks';
import { api, type PushResult } from '../api.js';
import { useLiveEvents } from '../live-events.js';
import { useAsync } from '../use-async.js';

const STATES = ['pending', 'applying', 'applied', 'failed', 'timeout', 'rolled_back'] as const;
const POLL_MS = 3000;

/**
 * Live counts of one push: refetched on every apply event from the stream, and polled as a
 * fallback (another instance may have recorded the report).
 */
export function PushProgress({ push }: { push: PushResult }) {
  const summary = useAsync(() => api.pushSummary(push.configuration, push.push_id), [push.push_id]);
  useLiveEvents(summary.reload, (e) => e.type === 'apply');
  useEffect(() => {
    const timer = setInterval(summary.reload, POLL_MS);
    return () => clearInterval(timer);
  }, [summary.reload]);
  const counts = summary.data?.counts;
  const total = summary.data?.total ?? push.targeted ?? 0;
  return (
    <div class="push-progress" data-testid="push-progress">
      <p>
        Push of version {push.version}: {push.targeted} targeted, {push.sent} sent
        {(push.forwarded ?? 0) > 0 && `, ${push.forwarded} forwarded to other instances`}
        {push.skipped.length > 0 && `, ${push.skipped.length} skipped`}.
      </p>
      <div class="progress-bar" aria-hidden="true">
        {counts &&
          total > 0 &&
          STATES.map((state) =>
            counts[state] > 0 ? (
              <span key={state} class={`seg seg-${state}`} style={{ width: `${(counts[state] / total) * 100}%` }} />
            ) : null,
          )}
      </div>
      <ul class="counts">
        {STATES.map((state) => (
          <li key={state} data-state={state}>
            <span class={`badge badge-${state.replace('_', '')}`}>{state}</span> {counts?.[state] ?? 0}
          </li>
        ))}
      </ul>
    </div>
  );
}
