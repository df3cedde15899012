import { useState } from 'preact/hooks';

interface Props {
  value: Record<string, string>;
  onChange: (value: Record<string, string>) => void;
  keyPlaceholder?: string;
  testId?: string;
}

/** Edits a string map (labels, selectors) as rows of key and value. */
export function KeyValueEditor({ value, onChange, keyPlaceholder = 'key', testId }: Props) {
  const [draft, setDraft] = useState({ key: '', value: '' });
  const entries = Object.entries(value);
  const remove = (key: string) => {
    const next = { ...value };
    delete next[key];
    onChange(next);
  };
  const add = () => {
    if (draft.key.trim()) {
      onChange({ ...value, [draft.key.trim()]: draft.value.trim() });
      setDraft({ key: '', value: '' });
    }
  };
  return (
    <div class="kv-editor" data-testid={testId}>
      {entries.length === 0 && <p class="muted">None</p>}
      {entries.map(([key, v]) => (
        <div class="kv-row" key={key}>
          <code>
            {key}={v}
          </code>
          <button type="button" class="link" onClick={() => remove(key)} aria-label={`Remove ${key}`}>
            ✕
          </button>
        </div>
      ))}
      <div class="kv-row">
        <input
          placeholder={keyPlaceholder}
          value={draft.key}
          onInput={(e) => setDraft({ ...draft, key: e.currentTarget.value })}
        />
        <input
          placeholder="value"
          value={draft.value}
          onInput={(e) => setDraft({ ...draft, value: e.currentTarget.value })}
          onKeyDown={(e) => e.key === 'Enter' && (e.preventDefault(), add())}
        />
        <button type="button" onClick={add}>
          Add
        </button>
      </div>
    </div>
  );
}
