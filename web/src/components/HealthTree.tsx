import type { HealthNode } from '../api.js';
import { HealthBadge } from './StatusBadge.js';

/** The agent's ComponentHealth, recursively. */
export function HealthTree({ node, name = 'agent' }: { node: HealthNode; name?: string }) {
  const children = Object.entries(node.component_health_map ?? {});
  return (
    <li>
      <span class="health-node">
        <strong>{name}</strong> <HealthBadge healthy={node.healthy ?? null} />{' '}
        {node.status && <span>{node.status}</span>}
        {node.last_error && <span class="error-text"> {node.last_error}</span>}
      </span>
      {children.length > 0 && (
        <ul>
          {children.map(([childName, child]) => (
            <HealthTree key={childName} name={childName} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}
