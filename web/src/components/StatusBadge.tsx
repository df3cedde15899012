/** A coloured pill for agent statuses, health and apply states. */
export function StatusBadge({ value }: { value: string | null | undefined }) {
  const text = value ?? '—';
  return <span class={`badge badge-${text.toLowerCase().replace(/[^a-z]/g, '')}`}>{text}</span>;
}

export function HealthBadge({ healthy }: { healthy: boolean | null | undefined }) {
  return <StatusBadge value={healthy === true ? 'healthy' : healthy === false ? 'unhealthy' : null} />;
}
