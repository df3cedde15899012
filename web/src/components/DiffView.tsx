/** A unified diff with added and removed lines coloured. */
export function DiffView({ diff }: { diff: string }) {
  if (!diff) {
    return <p class="muted">No changes in the configuration body.</p>;
  }
  return (
    <pre class="diff" data-testid="diff">
      {diff
        .split('\n')
        // The "Index:" and "====" banner of a patch says nothing the --- / +++ lines do not.
        .filter((line) => !line.startsWith('Index: ') && !/^=+$/.test(line))
        .map((line, i) => {
          const kind =
            line.startsWith('+++') || line.startsWith('---')
              ? 'meta'
              : line[0] === '+'
                ? 'add'
                : line[0] === '-'
                  ? 'del'
                  : line.startsWith('@@')
                    ? 'hunk'
                    : '';
          return (
            <div key={i} class={kind}>
              {line || ' '}
            </div>
          );
        })}
    </pre>
  );
}
