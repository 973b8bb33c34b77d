// Canvas drawing for the exit statistics panel. Plain functions over a 2D context so the
// panel can redraw 10×/s without React; sizes are in CSS pixels, the caller scales for
// devicePixelRatio.
import { formatRate, type NamedRate } from './rates';

export interface Series {
  label: string;
  color: string;
  values: readonly number[];
}

const AXIS = '#5c6670';
const TEXT = '#c9d1d9';
const FONT = '11px ui-sans-serif, system-ui, sans-serif';

/** Sizes the backing store to the element's CSS size × devicePixelRatio; returns a scaled context. */
export function prepareCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } | null {
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  const bw = Math.max(1, Math.round(width * dpr));
  const bh = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== bw || canvas.height !== bh) {
    canvas.width = bw;
    canvas.height = bh;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = FONT;
  return { ctx, width, height };
}

/** Lines over time, newest at the right; `capacity` points span the full width. */
export function drawTimeSeries(ctx: CanvasRenderingContext2D, width: number, height: number, series: readonly Series[], capacity: number): void {
  const left = 44;
  const top = 6;
  const bottom = height - 14;
  const right = width - 4;
  let max = 1;
  for (const s of series) for (const v of s.values) if (v > max) max = v;
  max = niceCeil(max);
  ctx.strokeStyle = AXIS;
  ctx.fillStyle = TEXT;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left, top);
  ctx.lineTo(left, bottom);
  ctx.lineTo(right, bottom);
  ctx.stroke();
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.fillText(`${formatRate(max)}/s`, left - 4, top + 4);
  ctx.fillText('0', left - 4, bottom);
  const dx = (right - left) / Math.max(1, capacity - 1);
  for (const s of series) {
    const n = s.values.length;
    if (n < 2) continue;
    ctx.strokeStyle = s.color;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const x = right - (n - 1 - i) * dx;
      const y = bottom - (s.values[i]! / max) * (bottom - top);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = AXIS;
  ctx.fillText('60 s', left + 2, height - 2);
}

/** Horizontal bars, largest first, with the rate printed at the end of each bar. */
export function drawBars(ctx: CanvasRenderingContext2D, width: number, height: number, items: readonly NamedRate[], color: string): void {
  const labelWidth = Math.min(150, width * 0.45);
  const rowHeight = 16;
  const rows = Math.max(1, Math.floor(height / rowHeight));
  const shown = items.slice(0, rows);
  let max = 1;
  for (const it of shown) if (it.rate > max) max = it.rate;
  ctx.textBaseline = 'middle';
  if (shown.length === 0) {
    ctx.fillStyle = AXIS;
    ctx.fillText('no activity', 4, rowHeight / 2);
    return;
  }
  shown.forEach((it, i) => {
    const y = i * rowHeight;
    ctx.fillStyle = TEXT;
    ctx.textAlign = 'left';
    ctx.fillText(ellipsize(ctx, it.name, labelWidth - 6), 2, y + rowHeight / 2);
    const barMax = width - labelWidth - 46;
    const w = Math.max(it.rate > 0 ? 1 : 0, (it.rate / max) * barMax);
    ctx.fillStyle = color;
    ctx.fillRect(labelWidth, y + 3, w, rowHeight - 6);
    ctx.fillStyle = TEXT;
    ctx.fillText(formatRate(it.rate), labelWidth + w + 4, y + rowHeight / 2);
  });
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function ellipsize(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > max) t = t.slice(0, -1);
  return `${t}…`;
}
