import { useEffect, useRef } from 'preact/hooks';
import { SseParser } from '../../src/common/sse-parser.js';
import { authHeaders } from './api.js';

/** One message of GET /api/v1/events. */
export type LiveEvent =
  | { type: 'agent'; change: 'connected' | 'disconnected' | 'status' | 'labels' | 'deleted'; agent_id: string }
  | { type: 'apply'; status: string; agent_id: string | null }
  | { type: 'rollout'; change: string; rollout_id: string; status: string; stage: number };

type Listener = (event: LiveEvent) => void;

const listeners = new Set<Listener>();
let controller: AbortController | undefined;

/**
 * Reads the server's SSE stream with fetch() (EventSource cannot send the bearer header) and
 * reconnects after a pause when it drops. Events are hints to refetch, so a gap only delays a view.
 */
async function run(signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch('/api/v1/events', { headers: authHeaders(), signal });
      if (!response.ok || !response.body) {
        throw new Error(`events: HTTP ${response.status}`);
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        for (const { data } of parser.push(value)) {
          const event = JSON.parse(data) as LiveEvent;
          listeners.forEach((listener) => listener(event));
        }
      }
    } catch {
      // Dropped or refused: retry below unless we were stopped.
    }
    if (!signal.aborted) {
      await new Promise((wake) => setTimeout(wake, 3000));
    }
  }
}

export function startLiveEvents(): void {
  stopLiveEvents();
  controller = new AbortController();
  void run(controller.signal);
}

export function stopLiveEvents(): void {
  controller?.abort();
  controller = undefined;
}

/**
 * Calls `onChange` (at most every `debounceMs`) while the component is mounted whenever a live
 * event matches `filter`; pages use it to refetch. The default wait outlasts the server's batched
 * agent-row writes (200 ms), so a refetch sees the change the event announced.
 */
export function useLiveEvents(
  onChange: () => void,
  filter: (e: LiveEvent) => boolean = () => true,
  debounceMs = 600,
): void {
  const latest = useRef({ onChange, filter });
  latest.current = { onChange, filter };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const listener: Listener = (event) => {
      if (!latest.current.filter(event) || timer) {
        return;
      }
      timer = setTimeout(() => {
        timer = undefined;
        latest.current.onChange();
      }, debounceMs);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      clearTimeout(timer);
    };
  }, [debounceMs]);
}
