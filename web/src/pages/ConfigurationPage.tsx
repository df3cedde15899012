import { EffectivePolicy } from '../components/EffectivePolicy.js';
import { useEffect, useState } from 'preact/hooks';
import { api, type ConfigurationInput, type ContentType, type PushResult, type User } from '../api.js';
import { ConfigEditor, errorPosition } from '../components/ConfigEditor.js';
import { ConfigHistory } from '../components/ConfigHistory.js';
import { useLiveValidation, ValidationIssues } from '../components/ConfigValidation.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { Labels } from '../components/Labels.js';
import { KeyValueEditor } from '../components/KeyValueEditor.js';
import { MatchingAgents } from '../components/MatchingAgents.js';
import { PushProgress } from '../components/PushProgress.js';
import { linkProps, navigate } from '../router.js';
import { can } from '../session.js';
import { useAsync } from '../use-async.js';

const EMPTY: ConfigurationInput = {
  name: '',
  description: '',
  raw_config: '',
  content_type: 'text/yaml',
  selector: {},
  priority: 0,
  auto_push: true,
  inherit_rollout_policy: true,
};

/** Create (name undefined) or edit a configuration; history, diff, rollback and push once it exists. */
export function ConfigurationPage({ name, user }: { name?: string; user: User }) {
  const existing = useAsync(() => (name ? api.configuration(name) : Promise.resolve(undefined)), [name]);
  const [form, setForm] = useState<ConfigurationInput>(EMPTY);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [push, setPush] = useState<PushResult>();
  const writable = can(user, 'operator');
  const validation = useLiveValidation(form.raw_config, form.content_type, writable);
  useEffect(() => {
    const c = existing.data;
    if (c) {
      setForm({
        name: c.name,
        description: c.description ?? '',
        raw_config: c.raw_config,
        content_type: c.content_type,
        selector: c.selector,
        priority: c.priority,
        auto_push: c.auto_push,
        inherit_rollout_policy: c.inherit_rollout_policy,
      });
    }
  }, [existing.data]);
  const update = (patch: Partial<ConfigurationInput>) => {
    setForm({ ...form, ...patch });
    setSaved(undefined);
    if (patch.raw_config !== undefined) {
      // The last save's error described the old text; the live check describes the new one.
      setError(undefined);
    }
  };
  const save = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const result = name ? await api.updateConfiguration(name, form) : await api.createConfiguration(form);
      const warnings = result.warnings.length;
      setSaved(`Saved version ${result.version}${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}`);
      // A save may push a new version on its own: the old push's progress no longer describes it.
      setPush(undefined);
      if (name) {
        existing.reload();
      } else {
        navigate(`/configurations/${encodeURIComponent(result.name)}`);
      }
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const startPush = async () => {
    try {
      setPush(await api.push(name!));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = async () => {
    if (name && confirm(`Delete configuration ${name}?`)) {
      await api.deleteConfiguration(name).then(
        () => navigate('/configurations'),
        (e: Error) => setError(e.message),
      );
    }
  };
  if (name && !existing.data) {
    return <ErrorMessage error={existing.error} />;
  }
  const position = errorPosition(error);
  return (
    <section>
      <p>
        <a {...linkProps('/configurations')}>← Configurations</a>
      </p>
      <div class="title-row">
        <h1>
          {name ?? 'New configuration'} {existing.data && <span class="muted">v{existing.data.version}</span>}
        </h1>
        {name && writable && (
          <span class="actions">
            <button class="primary" onClick={() => void startPush()}>
              Push to agents
            </button>
            {can(user, 'admin') && (
              <button class="danger" onClick={() => void remove()}>
                Delete
              </button>
            )}
          </span>
        )}
      </div>
      {push && <PushProgress push={push} />}
      {existing.data?.effective_rollout_policy && (
        <EffectivePolicy effective={existing.data.effective_rollout_policy} />
      )}
      <div class="editor-layout">
        <form class="card" onSubmit={(e) => void save(e)}>
          <fieldset disabled={!writable}>
            {!name && (
              <label>
                Name
                <input
                  name="name"
                  value={form.name}
                  onInput={(e) => update({ name: e.currentTarget.value })}
                  required
                />
              </label>
            )}
            <label>
              Description
              <input
                name="description"
                value={form.description}
                onInput={(e) => update({ description: e.currentTarget.value })}
              />
            </label>
            <div class="row">
              <label>
                Format
                <select
                  name="content_type"
                  value={form.content_type}
                  onChange={(e) => update({ content_type: e.currentTarget.value as ContentType })}
                >
                  <option value="text/yaml">YAML</option>
                  <option value="application/json">JSON</option>
                  <option value="text/plain">Plain text</option>
                </select>
              </label>
              <label>
                Priority
                <input
                  name="priority"
                  type="number"
                  value={form.priority}
                  onInput={(e) => update({ priority: Number(e.currentTarget.value) })}
                />
              </label>
              <label class="checkbox">
                <input
                  type="checkbox"
                  checked={form.auto_push}
                  onChange={(e) => update({ auto_push: e.currentTarget.checked })}
                />{' '}
                Push on save
              </label>
              <label
                class="checkbox"
                title="Without a rollout policy of its own, roll new versions out with the matching default policy"
              >
                <input
                  name="inherit_rollout_policy"
                  type="checkbox"
                  checked={form.inherit_rollout_policy}
                  onChange={(e) => update({ inherit_rollout_policy: e.currentTarget.checked })}
                />{' '}
                Use default rollout policies
              </label>
            </div>
          </fieldset>
          <ConfigEditor
            value={form.raw_config}
            onInput={(raw_config) => update({ raw_config })}
            errorLine={position?.line ?? validation?.errors[0]?.line}
            marks={[
              ...(validation?.errors ?? []).map((e) => ({ line: e.line, kind: 'error' as const })),
              ...(validation?.warnings ?? []).map((w) => ({ line: w.line, kind: 'warning' as const })),
            ]}
            readOnly={!writable}
          />
          <ValidationIssues result={validation} />
          {error && (
            <p class="error-box" role="alert" data-testid="config-error">
              {position && (
                <strong>
                  Line {position.line}, column {position.column}:{' '}
                </strong>
              )}
              {position ? error.replace(/ at line \d+, column \d+/, '') : error}
            </p>
          )}
          {saved && <p class="info-box">{saved}</p>}
          <h3>Selector</h3>
          {writable ? (
            <KeyValueEditor
              value={form.selector}
              onChange={(selector) => update({ selector })}
              keyPlaceholder="label"
              testId="selector-editor"
            />
          ) : (
            <Labels labels={form.selector} />
          )}
          {writable && (
            <button type="submit" class="primary">
              Save
            </button>
          )}
        </form>
        <div class="card">
          <MatchingAgents name={name} selector={form.selector} />
        </div>
      </div>
      {name && existing.data && (
        <ConfigHistory name={name} version={existing.data.version} user={user} onRolledBack={existing.reload} />
      )}
    </section>
  );
}
