import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { ConcertList } from '../api/types';
import { useI18n } from '../i18n';
import { formatJakartaDateTime, formatRp, jakartaDayBound } from '../lib/format';
import { Notice, Spinner, errorText } from '../components/ui';

const FILTERS = ['q', 'city', 'from', 'to', 'min_price', 'max_price'] as const;
type Filter = (typeof FILTERS)[number];

/** The API query for the filters kept in the page's URL (dates are whole days in Jakarta). */
export function concertQuery(params: URLSearchParams): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const f of FILTERS) {
    const v = params.get(f)?.trim();
    if (!v) continue;
    if (f === 'from') out.from = jakartaDayBound(v, false);
    else if (f === 'to') out.to = jakartaDayBound(v, true);
    else out[f] = v;
  }
  return out;
}

export default function ConcertListPage() {
  const { t, lang } = useI18n();
  const [params, setParams] = useSearchParams();
  const query = concertQuery(params);
  const [draft, setDraft] = useState<Record<Filter, string>>(
    () => Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ''])) as Record<Filter, string>,
  );

  const list = useInfiniteQuery({
    queryKey: ['concerts', query],
    queryFn: ({ pageParam, signal }) =>
      api.request<ConcertList>('/api/concerts', { query: { ...query, limit: 12, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const f of FILTERS) if (draft[f].trim()) next.set(f, draft[f].trim());
    setParams(next);
  };

  const input = (f: Filter, label: string, type = 'text', extra: Record<string, string> = {}) => (
    <div className="field">
      <label htmlFor={`filter-${f}`}>{label}</label>
      <input
        id={`filter-${f}`}
        name={f}
        type={type}
        value={draft[f]}
        onChange={(e) => setDraft({ ...draft, [f]: e.target.value })}
        {...extra}
      />
    </div>
  );

  const concerts = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>{t('list.title')}</h1>
      <form className="filters" role="search" onSubmit={submit} aria-label={t('list.filters')}>
        {input('q', t('list.search'), 'search')}
        {input('city', t('list.city'))}
        {input('from', t('list.from'), 'date')}
        {input('to', t('list.to'), 'date')}
        {input('min_price', t('list.minPrice'), 'number', { min: '0', step: '1000', inputMode: 'numeric' })}
        {input('max_price', t('list.maxPrice'), 'number', { min: '0', step: '1000', inputMode: 'numeric' })}
        <div className="filter-actions">
          <button type="submit">{t('list.apply')}</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(Object.fromEntries(FILTERS.map((f) => [f, ''])) as Record<Filter, string>);
              setParams(new URLSearchParams());
            }}
          >
            {t('list.clear')}
          </button>
        </div>
      </form>
      {list.isPending && <Spinner />}
      {list.isError && <Notice>{errorText(list.error, t)}</Notice>}
      {list.isSuccess && concerts.length === 0 && <p role="status">{t('list.empty')}</p>}
      <ul className="cards" aria-label={t('list.results')}>
        {concerts.map((c) => {
          const left = c.ticket_types.reduce((n, tt) => n + tt.available, 0);
          return (
            <li key={c.id} className="card">
              <h2>
                <Link to={`/concerts/${c.id}`}>{c.title}</Link>
              </h2>
              <p className="muted">{c.artist}</p>
              <p>
                {c.venue}, {c.city}
              </p>
              <p>
                <time dateTime={c.starts_at}>{formatJakartaDateTime(c.starts_at, lang)}</time>
              </p>
              <p className="price">
                {c.min_price === null ? t('list.noPrice') : t('list.from_price', { price: formatRp(c.min_price) })}
              </p>
              {left === 0 && c.ticket_types.length > 0 && <span className="badge badge-cancelled">{t('concert.soldOut')}</span>}
            </li>
          );
        })}
      </ul>
      {list.hasNextPage && (
        <p className="center">
          <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
            {list.isFetchingNextPage ? t('common.loading') : t('list.more')}
          </button>
        </p>
      )}
    </section>
  );
}
