import { useEffect, useState } from 'preact/hooks';
import { api, type ConfigValidation, type ContentType } from '../api.js';

/** Quiet time after the last keystroke before the body is sent for checking. */
const DEBOUNCE_MS = 400;

/**
 * Checks the editor's body as the operator types (debounced), so a Collector config's mistakes
 * show before Save. Answers that arrive after a newer edit are dropped.
 */
export function useLiveValidation(
  raw: string,
  contentType: ContentType,
  enabled: boolean,
): ConfigValidation | undefined {
  const [result, setResult] = useState<ConfigValidation>();
  useEffect(() => {
    if (!enabled || raw.trim() === '') {
      setResult(undefined);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.validateConfiguration(raw, contentType).then(
        (checked) => current && setResult(checked),
        // A failed check (network, too large) says nothing about the body: Save reports the real answer.
        () => current && setResult(undefined),
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [raw, contentType, enabled]);
  return result;
}

/** The validator's findings, each with its line, beside the editor. */
export function ValidationIssues({ result }: { result: ConfigValidation | undefined }) {
  if (!result || (result.errors.length === 0 && result.warnings.length === 0)) {
    return result?.collector_config ? (
      <p class="muted small" data-testid="validation-ok">
        Collector config: no problems found
      </p>
    ) : null;
  }
  const issues = [
    ...result.errors.map((issue) => ({ ...issue, kind: 'error' as const })),
    ...result.warnings.map((issue) => ({ ...issue, kind: 'warning' as const })),
  ];
  return (
    <ul class="validation-issues" data-testid="validation-issues">
      {issues.map((issue, i) => (
        <li key={i} class={issue.kind}>
          <strong>
            {issue.kind === 'error' ? 'Error' : 'Warning'}, line {issue.line}, column {issue.column}
          </strong>
          {issue.path && <code>{issue.path}</code>} {issue.message}
        </li>
      ))}
    </ul>
  );
}
