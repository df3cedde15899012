export function Labels({ labels }: { labels: Record<string, string> }) {
  return (
    <span class="labels">
      {Object.entries(labels).map(([key, value]) => (
        <span key={key} class="label">
          {key}={value}
        </span>
      ))}
    </span>
  );
}
