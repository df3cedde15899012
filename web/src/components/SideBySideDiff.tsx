import { diffLines } from 'diff';

/** Two documents side by side: removed lines on the left, added on the right, the rest on both. */
export function SideBySideDiff({ left, right }: { left: string; right: string }) {
  const rows: Array<{ l: string | null; r: string | null }> = [];
  const lines = (text: string) => text.replace(/\n$/, '').split('\n');
  let removed: string[] = [];
  const flush = (added: string[]) => {
    for (let i = 0; i < Math.max(removed.length, added.length); i += 1) {
      rows.push({ l: removed[i] ?? null, r: added[i] ?? null });
    }
    removed = [];
  };
  for (const part of diffLines(left, right)) {
    if (part.removed) {
      removed.push(...lines(part.value));
    } else if (part.added) {
      flush(lines(part.value));
    } else {
      flush([]);
      lines(part.value).forEach((line) => rows.push({ l: line, r: line }));
    }
  }
  flush([]);
  return (
    <div class="side-by-side" data-testid="side-by-side">
      <strong>Desired</strong>
      <strong>Effective</strong>
      {rows.map((row, i) => [
        <div key={`l${i}`} class={row.l !== null && row.l !== row.r ? 'del' : ''}>
          {row.l ?? ''}
        </div>,
        <div key={`r${i}`} class={row.r !== null && row.l !== row.r ? 'add' : ''}>
          {row.r ?? ''}
        </div>,
      ])}
    </div>
  );
}
