// Live exit statistics. React renders the layout once per VM (vCPU count); the numbers
// and charts are redrawn from a transient telemetry-store subscription on
// requestAnimationFrame, so ~10 samples/s never re-render the page.
import { useEffect, useRef } from 'react';
import { EXIT_REASONS, EXIT_REASON_LABELS } from '../../../electron/common/exitReasons';
import { HISTORY_LENGTH, useTelemetryStore } from '../../store/telemetryStore';
import { useVmStore } from '../../store/vmStore';
import { drawBars, drawTimeSeries, prepareCanvas, type Series } from './charts';
import { formatNic, formatRate, type ExitRates } from './rates';

const COLORS = ['#58a6ff', '#f78166', '#7ee787', '#d2a8ff', '#ffa657', '#79c0ff', '#ff7b72', '#a5d6ff', '#e3b341', '#56d364', '#bc8cff', '#8b949e'];

const BAR_PANELS = [
  { key: 'ports', title: 'Busiest I/O ports', color: '#58a6ff' },
  { key: 'mmio', title: 'Busiest MMIO regions', color: '#d2a8ff' },
  { key: 'backdoor', title: 'Backdoor commands', color: '#7ee787' },
  { key: 'kvm', title: 'KVM statistics', color: '#ffa657' },
] as const;

function vcpuSeries(history: readonly ExitRates[], vcpu: number): Series[] {
  // Only reasons that occurred in the window, so the legend stays readable.
  const out: Series[] = [];
  EXIT_REASONS.forEach((reason, r) => {
    const values = history.map((h) => h.perVcpu[vcpu]?.[r] ?? 0);
    if (values.some((v) => v > 0)) out.push({ label: EXIT_REASON_LABELS[reason], color: COLORS[r % COLORS.length]!, values });
  });
  return out;
}

export function ExitStatsPanel({ id }: { id: string }) {
  const vcpus = useVmStore((s) => s.entries.find((e) => e.id === id)?.config.cpus ?? 1);
  const totalRef = useRef<HTMLSpanElement>(null);
  const vcpuCanvases = useRef<(HTMLCanvasElement | null)[]>([]);
  const legends = useRef<(HTMLDivElement | null)[]>([]);
  const barCanvases = useRef<(HTMLCanvasElement | null)[]>([]);
  const netRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let raf = 0;
    const draw = (): void => {
      raf = 0;
      const history = useTelemetryStore.getState().histories.get(id)?.rates ?? [];
      const latest = history[history.length - 1];
      if (totalRef.current) {
        totalRef.current.textContent = latest ? `${formatRate(latest.total)} exits/s` : 'waiting for samples…';
        totalRef.current.dataset.total = String(latest?.total ?? 0);
        totalRef.current.dataset.samples = String(history.length);
      }
      vcpuCanvases.current.forEach((canvas, v) => {
        const p = canvas && prepareCanvas(canvas);
        if (!p) return;
        const series = vcpuSeries(history, v);
        drawTimeSeries(p.ctx, p.width, p.height, series, HISTORY_LENGTH);
        const legend = legends.current[v];
        if (legend) {
          const last = latest?.perVcpu[v] ?? [];
          legend.replaceChildren(
            ...series.map((s) => {
              const r = EXIT_REASONS.findIndex((x) => EXIT_REASON_LABELS[x] === s.label);
              const item = document.createElement('span');
              item.className = 'legend-item';
              item.style.color = s.color;
              item.textContent = `${s.label} ${formatRate(last[r] ?? 0)}`;
              return item;
            }),
          );
        }
      });
      if (netRef.current) {
        const nics = latest?.nics ?? [];
        netRef.current.replaceChildren(
          ...nics.map((n, i) => {
            const line = document.createElement('div');
            line.dataset.testid = `net-rates-${i}`;
            line.textContent = formatNic(i, n);
            return line;
          }),
        );
      }
      BAR_PANELS.forEach((panel, i) => {
        const canvas = barCanvases.current[i];
        const p = canvas && prepareCanvas(canvas);
        const items = latest?.[panel.key] ?? [];
        if (p) drawBars(p.ctx, p.width, p.height, items, panel.color);
        // The busiest entry, readable by tests and assistive tech without parsing pixels.
        if (canvas) canvas.setAttribute('aria-label', `${panel.title}: ${items[0] && items[0].rate > 0 ? items[0].name : 'none'}`);
      });
    };
    const schedule = (): void => {
      if (!raf) raf = requestAnimationFrame(draw);
    };
    schedule();
    const unsubscribe = useTelemetryStore.subscribe(schedule);
    window.addEventListener('resize', schedule);
    return () => {
      unsubscribe();
      window.removeEventListener('resize', schedule);
      if (raf) cancelAnimationFrame(raf);
    };
  }, [id, vcpus]);

  return (
    <aside className="exits" data-testid="exit-stats">
      <div className="exits-head">
        <h2>VM exits</h2>
        <span ref={totalRef} className="exits-total" data-testid="exit-total" />
      </div>
      {Array.from({ length: vcpus }, (_, v) => (
        <div className="chart-block" key={v}>
          <div className="chart-title">vCPU {v}</div>
          <canvas className="chart-line" data-testid={`exit-chart-vcpu${v}`} ref={(el) => void (vcpuCanvases.current[v] = el)} />
          <div className="legend" ref={(el) => void (legends.current[v] = el)} />
        </div>
      ))}
      <div className="net-rates" data-testid="net-rates" ref={netRef} />
      <div className="bars-grid">
        {BAR_PANELS.map((panel, i) => (
          <div className="chart-block" key={panel.key}>
            <div className="chart-title">{panel.title}</div>
            <canvas className="chart-bars" data-testid={`exit-bars-${panel.key}`} ref={(el) => void (barCanvases.current[i] = el)} />
          </div>
        ))}
      </div>
    </aside>
  );
}
