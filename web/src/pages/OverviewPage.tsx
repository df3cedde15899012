import { api, type FleetOverview } from '../api.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { FleetChart } from '../components/FleetChart.js';
import { dateTime } from '../format.js';
import { linkProps } from '../router.js';
import { useAsync } from '../use-async.js';
import { useEffect } from 'preact/hooks';

type Counts = FleetOverview['by_version'];

function CountTable({ title, rows, testId }: { title: string; rows: Counts; testId: string }) {
  return (
    <div class="card" data-testid={testId}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">No agents yet.</p>
      ) : (
        <table class="table compact">
          <tbody>
            {rows.map((row) => (
              <tr key={row.key ?? '-'}>
                <th>{row.key ?? 'not reported'}</th>
                <td>{row.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The home page: is the fleet fine? Refreshed every 30 s. */
export function OverviewPage() {
  const overview = useAsync(() => api.overview(), []);
  useEffect(() => {
    const timer = setInterval(overview.reload, 30_000);
    return () => clearInterval(timer);
  }, [overview.reload]);
  const data = overview.data;
  return (
    <section>
      <h1>Fleet overview</h1>
      <ErrorMessage error={overview.error} />
      {data && (
        <>
          <div class="grid" data-testid="fleet-totals">
            <div class="card">
              <h2>Agents</h2>
              <p class="big">{data.agents.total}</p>
            </div>
            <div class="card">
              <h2>Online</h2>
              <p class="big">{data.agents.online}</p>
            </div>
            <div class="card">
              <h2>Offline</h2>
              <p class="big">{data.agents.offline}</p>
            </div>
          </div>
          <div class="card">
            <h2>Online and offline, last 24 hours</h2>
            {data.series.length < 2 ? (
              <p class="muted">Samples are taken every minute; the chart appears after the second one.</p>
            ) : (
              <FleetChart samples={data.series} />
            )}
          </div>
          <div class="grid">
            <CountTable title="By version" rows={data.by_version} testId="by-version" />
            <CountTable title="By health" rows={data.by_health} testId="by-health" />
            <CountTable title="Drift" rows={data.drift} testId="by-drift" />
          </div>
          <div class="card" data-testid="by-configuration">
            <h2>Configurations and apply state</h2>
            <table class="table compact">
              <thead>
                <tr>
                  <th>Configuration</th>
                  <th>State</th>
                  <th>Agents</th>
                </tr>
              </thead>
              <tbody>
                {data.by_configuration.map((row) => (
                  <tr key={`${row.configuration}-${row.state}`}>
                    <td>
                      {row.configuration ? (
                        <a {...linkProps(`/configurations/${encodeURIComponent(row.configuration)}`)}>
                          {row.configuration}
                        </a>
                      ) : (
                        <span class="muted">none assigned</span>
                      )}
                    </td>
                    <td>{row.state ?? 'not reported'}</td>
                    <td>{row.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="card" data-testid="recent-failures">
            <h2>Recent failures</h2>
            {data.recent_failures.length === 0 ? (
              <p class="muted">No failed applies.</p>
            ) : (
              <table class="table compact">
                <tbody>
                  {data.recent_failures.map((f) => (
                    <tr key={`${f.agent_id}-${f.at}`}>
                      <td>{dateTime(f.at)}</td>
                      <td>
                        <a {...linkProps(`/agents/${f.agent_id}`)}>{f.agent_name ?? f.agent_id}</a>
                      </td>
                      <td>
                        {f.configuration} v{f.version}
                      </td>
                      <td>{f.status}</td>
                      <td>{f.error_message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
          {data.rollouts !== null && (
            <div class="card" data-testid="rollouts">
              <h2>Running rollouts</h2>
              {data.rollouts.length === 0 ? (
                <p class="muted">None running.</p>
              ) : (
                <ul>
                  {data.rollouts.map((r, i) => (
                    <li key={i}>
                      {String(r.name ?? r.id)} — {String(r.status)}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
