// One report (GET /api/reports/{name}) as a table, optionally a bar chart, and a CSV download
// (the same request with Accept: text/csv). Columns come from the rows themselves, so a report
// that gains a column shows it without a change here.
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, api, toApiError } from '../api/client';
import { useI18n } from '../i18n';
import { formatRp } from '../lib/format';
import { BarChart, type Bar } from './BarChart';
import { Notice, Spinner, errorText } from './ui';

type Row = Record<string, unknown>;

export function reportRows(data: unknown): Row[] {
  if (Array.isArray(data)) return data as Row[];
  if (data && typeof data === 'object') {
    for (const key of ['items', 'rows', 'data']) {
      const v = (data as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v as Row[];
    }
  }
  return [];
}

const MONEY = /amount|revenue|sales|total|price|rupiah|gross/i;

/** The label column (first text one) and the value column (money first, else the first number). */
export function chartBars(rows: Row[]): Bar[] {
  const first = rows[0];
  if (!first) return [];
  const keys = Object.keys(first);
  const label = keys.find((k) => typeof first[k] === 'string');
  const numeric = keys.filter((k) => typeof first[k] === 'number' && !/(^id$|_id$)/.test(k));
  const value = numeric.find((k) => MONEY.test(k)) ?? numeric[0];
  if (!label || !value) return [];
  return rows.map((r) => ({ label: String(r[label]), value: Number(r[value]) || 0 }));
}

function cell(key: string, v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' && MONEY.test(key) && !/count|tickets|seats|quantity/i.test(key)) return formatRp(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// What each report takes besides Accept (docs/openapi.yaml): an unknown parameter is a 400.
const PARAMS: Record<string, { range: boolean; limit?: number }> = {
  'top-customers': { range: true, limit: 20 },
  'sales-by-city': { range: true, limit: 50 },
  stock: { range: false, limit: 500 },
  'requests-per-hour': { range: true, limit: 200 },
  'monthly-sales': { range: true },
};

export function ReportView({ name, chart }: { name: string; chart: string | null }) {
  const { t } = useI18n();
  const [range, setRange] = useState<{ from: string; to: string }>({ from: '', to: '' });
  const [draft, setDraft] = useState(range);
  const [csvError, setCsvError] = useState<string | null>(null);
  const params = PARAMS[name] ?? { range: true };
  const query = {
    from: params.range ? range.from || undefined : undefined,
    to: params.range ? range.to || undefined : undefined,
    limit: params.limit,
  };
  const report = useQuery({
    queryKey: ['report', name, range],
    queryFn: ({ signal }) => api.request<unknown>(`/api/reports/${name}`, { query, signal }),
    retry: false,
  });
  const download = async () => {
    setCsvError(null);
    try {
      const res = await api.send(`/api/reports/${name}`, { query, accept: 'text/csv' });
      if (!res.ok) throw await toApiError(res);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `${name}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      setCsvError(errorText(e, t));
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setRange(draft);
  };
  const rows = reportRows(report.data);
  // The report's own totals next to its rows (monthly sales: tickets, average per month, rolled up to).
  const summary =
    report.data && typeof report.data === 'object' && !Array.isArray(report.data)
      ? Object.entries(report.data as Record<string, unknown>).filter(([, v]) => v === null || typeof v !== 'object')
      : [];
  const columns = rows[0] ? Object.keys(rows[0]) : [];
  const bars = chart ? chartBars(rows) : [];
  const missing = report.error instanceof ApiError && report.error.status === 404;
  return (
    <div className="report" data-testid={`report-${name}`}>
      <form className="filters" onSubmit={submit} aria-label={t('reports.range')}>
        {params.range && (
          <>
        <div className="field">
          <label htmlFor={`${name}-from`}>{t('list.from')}</label>
          <input id={`${name}-from`} type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={`${name}-to`}>{t('list.to')}</label>
          <input id={`${name}-to`} type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
          </>
        )}
        <div className="filter-actions">
          <button type="submit">{t('list.apply')}</button>
          <button type="button" className="secondary" onClick={download} disabled={missing}>
            {t('reports.csv')}
          </button>
        </div>
      </form>
      {csvError && <Notice>{csvError}</Notice>}
      {report.isPending && <Spinner />}
      {missing && <Notice kind="info">{t('reports.unavailable')}</Notice>}
      {report.isError && !missing && <Notice>{errorText(report.error, t)}</Notice>}
      {report.isSuccess && rows.length === 0 && <p role="status">{t('reports.empty')}</p>}
      {summary.length > 0 && (
        <dl className="facts">
          {summary.map(([k, v]) => (
            <div key={k} className="contents">
              <dt>{k.replace(/_/g, ' ')}</dt>
              <dd>{cell(k, v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {bars.length > 0 && chart && <BarChart bars={bars} title={chart} format={(n) => formatRp(n)} />}
      {rows.length > 0 && (
        <div className="table-scroll" tabIndex={0} role="region" aria-label={t(`reports.${name}` as Parameters<typeof t>[0])}>
          <table>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c.replace(/_/g, ' ')}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  {columns.map((c) => (
                    <td key={c}>{cell(c, r[c])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
