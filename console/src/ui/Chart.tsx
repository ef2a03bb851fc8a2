/**
 * A small stacked bar chart in SVG (no chart library: the overview loads fast). Each point
 * is one time bucket; series are stacked bottom-up in the given order.
 */
export interface ChartSeries {
  key: string;
  label: string;
  /** A Tailwind fill class, e.g. fill-indigo-500. */
  className: string;
}

export function BarChart({ points, series, label, formatX }: { points: ({ t: string } & Record<string, number | string>)[]; series: ChartSeries[]; label: string; formatX: (t: string) => string }) {
  const W = 600;
  const H = 160;
  const pad = { l: 32, b: 18, t: 6 };
  const totals = points.map((p) => series.reduce((s, x) => s + (Number(p[x.key]) || 0), 0));
  const max = Math.max(1, ...totals);
  const bw = (W - pad.l) / Math.max(1, points.length);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const ticks = [0, Math.round(max / 2), max];
  const every = Math.max(1, Math.ceil(points.length / 6));
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} className="h-44 w-full" preserveAspectRatio="none">
        {ticks.map((v) => (
          <g key={v}>
            <line x1={pad.l} x2={W} y1={y(v)} y2={y(v)} className="stroke-slate-200 dark:stroke-slate-800" strokeWidth={1} />
            <text x={pad.l - 4} y={y(v) + 3} textAnchor="end" className="fill-slate-400 text-[9px]">
              {v}
            </text>
          </g>
        ))}
        {points.map((p, i) => {
          let base = 0;
          return (
            <g key={p.t}>
              <title>{`${formatX(p.t)}: ${series.map((s) => `${s.label} ${p[s.key] ?? 0}`).join(', ')}`}</title>
              {series.map((s) => {
                const v = Number(p[s.key]) || 0;
                const r = <rect key={s.key} x={pad.l + i * bw + 1} width={Math.max(1, bw - 2)} y={y(base + v)} height={Math.max(0, y(base) - y(base + v))} className={s.className} />;
                base += v;
                return r;
              })}
              {i % every === 0 && (
                <text x={pad.l + i * bw + bw / 2} y={H - 4} textAnchor="middle" className="fill-slate-400 text-[9px]">
                  {formatX(p.t)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="mt-1 flex flex-wrap gap-3 text-xs text-slate-500">
        {series.map((s) => (
          <span key={s.key} className="flex items-center gap-1">
            <svg width="10" height="10" aria-hidden>
              <rect width="10" height="10" className={s.className} />
            </svg>
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
