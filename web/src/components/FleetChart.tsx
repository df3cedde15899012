import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlotType from 'uplot';
import 'uplot/dist/uPlot.min.css';

interface Props {
  samples: Array<{ at: string; online: number; offline: number }>;
}

/**
 * uPlot formats numbers with `navigator.language` when its module loads; some browsers started
 * under a POSIX locale report a tag Intl refuses ("en-US@posix"), which would throw. Loaded on
 * demand, so a chart failure can never blank the rest of the console.
 */
async function loadUPlot(): Promise<typeof uPlotType> {
  try {
    new Intl.NumberFormat(navigator.language);
  } catch {
    Object.defineProperty(Navigator.prototype, 'language', { get: () => 'en-US', configurable: true });
  }
  return (await import('uplot')).default;
}

/** Agents online/offline over the sampled period (uPlot: small, fast, canvas). */
export function FleetChart({ samples }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    let chart: uPlotType | undefined;
    let cancelled = false;
    loadUPlot().then(
      (uPlot) => {
        if (cancelled || !host.current) {
          return;
        }
        const data: uPlotType.AlignedData = [
          samples.map((s) => Date.parse(s.at) / 1000),
          samples.map((s) => s.online),
          samples.map((s) => s.offline),
        ];
        chart = new uPlot(
          {
            width: Math.max(320, host.current.clientWidth),
            height: 220,
            scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
            series: [
              {},
              { label: 'Online', stroke: '#2e7d32', fill: 'rgba(46,125,50,0.12)', width: 2 },
              { label: 'Offline', stroke: '#c62828', width: 2 },
            ],
          },
          data,
          host.current,
        );
      },
      (e: Error) => setError(e.message),
    );
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [samples]);
  return error ? (
    <p class="muted">Chart unavailable: {error}</p>
  ) : (
    <div ref={host} class="fleet-chart" data-testid="fleet-chart" />
  );
}
