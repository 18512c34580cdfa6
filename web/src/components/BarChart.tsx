// A small hand-made SVG bar chart (no chart library in the bundle). The table beside it holds
// the same numbers, so the chart is a labelled picture of it.
export interface Bar {
  label: string;
  value: number;
}

export function BarChart({ bars, title, format }: { bars: Bar[]; title: string; format: (n: number) => string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const barH = 26;
  const gap = 8;
  const labelW = 120;
  const width = 640;
  const valueW = 130;
  const plotW = width - labelW - valueW;
  const height = bars.length * (barH + gap) + gap;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} preserveAspectRatio="xMinYMin meet">
        <title>{title}</title>
        {bars.map((b, i) => {
          const y = gap + i * (barH + gap);
          const w = Math.max(2, (b.value / max) * plotW);
          return (
            <g key={`${b.label}-${i}`}>
              <text x={labelW - 8} y={y + barH * 0.68} textAnchor="end" className="chart-label">
                {b.label.length > 16 ? `${b.label.slice(0, 15)}…` : b.label}
              </text>
              <rect x={labelW} y={y} width={w} height={barH} rx={3} className="chart-bar" />
              <text x={labelW + w + 6} y={y + barH * 0.68} className="chart-value">
                {format(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}
