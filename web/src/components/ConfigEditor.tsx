import { useRef } from 'preact/hooks';

interface Props {
  value: string;
  onInput: (value: string) => void;
  /** 1-based line to highlight (a parse error), if any. */
  errorLine?: number;
  /** Lines the validator marks (1-based), shown in the gutter. */
  marks?: { line: number; kind: 'error' | 'warning' }[];
  /** Viewers can read and copy, not edit. */
  readOnly?: boolean;
}

const LINE_HEIGHT_PX = 20;

/**
 * A plain textarea with a line-number gutter; the line of a validation error is highlighted in the
 * gutter and by a band behind the text, scrolled together with the textarea.
 */
export function ConfigEditor({ value, onInput, errorLine, marks = [], readOnly }: Props) {
  const gutter = useRef<HTMLDivElement>(null);
  const band = useRef<HTMLDivElement>(null);
  const lines = value.split('\n').length;
  const onScroll = (event: Event) => {
    const top = (event.currentTarget as HTMLTextAreaElement).scrollTop;
    if (gutter.current) {
      gutter.current.scrollTop = top;
    }
    if (band.current) {
      band.current.style.transform = `translateY(${-top}px)`;
    }
  };
  return (
    <div class="code-editor">
      <div class="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => (
          <div key={i} class={gutterClass(i + 1, errorLine, marks)}>
            {i + 1}
          </div>
        ))}
      </div>
      <div class="code-area">
        {errorLine !== undefined && (
          <div
            class="error-band"
            ref={band}
            data-testid="error-line"
            style={{ top: `${(errorLine - 1) * LINE_HEIGHT_PX + 8}px` }}
          />
        )}
        <textarea
          name="raw_config"
          spellcheck={false}
          readOnly={readOnly}
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
          onScroll={onScroll}
          rows={Math.min(Math.max(lines + 1, 12), 30)}
        />
      </div>
    </div>
  );
}

function gutterClass(line: number, errorLine: number | undefined, marks: Props['marks'] = []): string {
  const kinds = marks.filter((m) => m.line === line).map((m) => m.kind);
  if (line === errorLine || kinds.includes('error')) {
    return 'error-line';
  }
  return kinds.includes('warning') ? 'warning-line' : '';
}

/** Line and column from the API's "... at line L, column C: ..." validation message. */
export function errorPosition(message: string | undefined): { line: number; column: number } | undefined {
  const found = /line (\d+), column (\d+)/.exec(message ?? '');
  return found ? { line: Number(found[1]), column: Number(found[2]) } : undefined;
}
