import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import type { BookingList, BookingStatus } from '../api/types';
import { useI18n } from '../i18n';
import { formatJakartaDateTime, formatRp } from '../lib/format';
import { Notice, Spinner, StatusBadge, errorText } from '../components/ui';

const STATUSES: BookingStatus[] = ['pending_payment', 'paid', 'expired', 'cancelled'];

export default function MyBookingsPage() {
  const { t, lang } = useI18n();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const list = useInfiniteQuery({
    queryKey: ['bookings', status],
    queryFn: ({ pageParam, signal }) =>
      api.request<BookingList>('/api/bookings', { query: { status, cursor: pageParam, limit: 20 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>{t('bookings.title')}</h1>
      <div className="field inline">
        <label htmlFor="status-filter">{t('bookings.filter')}</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => setParams(e.target.value ? { status: e.target.value } : {})}
        >
          <option value="">{t('bookings.all')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </div>
      {list.isPending && <Spinner />}
      {list.isError && <Notice>{errorText(list.error, t)}</Notice>}
      {list.isSuccess && items.length === 0 && <p role="status">{t('bookings.empty')}</p>}
      <ul className="rows">
        {items.map((b) => (
          <li key={b.code} className="row">
            <Link to={`/bookings/${b.code}`}>{b.code}</Link>
            <StatusBadge status={b.status} />
            <span>{formatRp(b.total_amount)}</span>
            <small className="muted">{formatJakartaDateTime(b.created_at, lang)}</small>
          </li>
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {t('list.more')}
        </button>
      )}
    </section>
  );
}
