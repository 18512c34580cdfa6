import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, newIdempotencyKey } from '../api/client';
import type { Booking, Concert } from '../api/types';
import { useI18n } from '../i18n';
import { useAuth } from '../auth/AuthContext';
import { formatJakartaDateTime, formatRp } from '../lib/format';
import { Notice, Spinner, errorText } from '../components/ui';
import { bookingItems, bookingSchema, maxFor, type BookingFormValues } from './bookingForm';

export default function ConcertPage() {
  const { id } = useParams();
  const { t, lang } = useI18n();
  const concert = useQuery({
    queryKey: ['concert', id],
    queryFn: ({ signal }) => api.request<Concert>(`/api/concerts/${id}`, { signal }),
    // Live availability: the catalog's cache is at most a few seconds stale.
    refetchInterval: 15000,
  });
  if (concert.isPending) return <Spinner />;
  if (concert.isError) throw concert.error;
  const c = concert.data;
  return (
    <article>
      <p>
        <Link to="/">← {t('concert.back')}</Link>
      </p>
      <h1>{c.title}</h1>
      <p className="muted">{c.artist}</p>
      <dl className="facts">
        <dt>{t('concert.when')}</dt>
        <dd>
          <time dateTime={c.starts_at}>{formatJakartaDateTime(c.starts_at, lang)}</time>
        </dd>
        <dt>{t('concert.where')}</dt>
        <dd>
          {c.venue}, {c.city}
        </dd>
      </dl>
      {c.status !== 'published' && <Notice kind="info">{t(`concert.status_${c.status}`)}</Notice>}
      <BookingForm concert={c} />
    </article>
  );
}

function BookingForm({ concert }: { concert: Concert }) {
  const { t } = useI18n();
  const { user } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<string | null>(null);
  // One key per attempt: a double click or a retry of the same choice sends the same key, so the
  // server books once; changing the choice (or a booking that went through) starts a new attempt.
  const keyRef = useRef(newIdempotencyKey());

  const schema = useMemo(
    () =>
      bookingSchema(concert.ticket_types, {
        whole: t('book.whole'),
        negative: t('book.negative'),
        tooMany: (max) => t('book.tooMany', { max }),
        atLeastOne: t('book.atLeastOne'),
      }),
    [concert.ticket_types, t],
  );
  const {
    register,
    handleSubmit,
    watch,
    formState: { errors, isSubmitting },
  } = useForm<BookingFormValues>({
    resolver: zodResolver(schema),
    defaultValues: { quantities: Object.fromEntries(concert.ticket_types.map((tt) => [String(tt.id), 0])) },
  });

  useEffect(() => {
    const sub = watch(() => {
      keyRef.current = newIdempotencyKey();
      setFailure(null);
    });
    return () => sub.unsubscribe();
  }, [watch]);

  const quantities = watch('quantities');
  const total = concert.ticket_types.reduce((sum, tt) => sum + tt.price * (Number(quantities?.[String(tt.id)]) || 0), 0);
  const bookable = concert.status === 'published' && Date.parse(concert.starts_at) > Date.now();

  const onSubmit = async (values: BookingFormValues) => {
    setFailure(null);
    try {
      const booking = await api.request<Booking>('/api/bookings', {
        method: 'POST',
        headers: { 'Idempotency-Key': keyRef.current },
        body: { concert_id: concert.id, items: bookingItems(values) },
      });
      keyRef.current = newIdempotencyKey();
      queryClient.invalidateQueries({ queryKey: ['bookings'] });
      navigate(`/bookings/${booking.code}`);
    } catch (e) {
      if (e instanceof ApiError && e.kind === 'sold-out') {
        setFailure(t('book.soldOut'));
        queryClient.invalidateQueries({ queryKey: ['concert'] });
      } else if (e instanceof ApiError && e.kind === 'per-user-limit') {
        setFailure(t('book.overLimit', { detail: e.problem?.detail ?? '' }));
      } else {
        setFailure(errorText(e, t));
      }
    }
  };

  if (concert.ticket_types.length === 0) return <p>{t('concert.noTickets')}</p>;
  return (
    <form onSubmit={handleSubmit(onSubmit)} noValidate aria-labelledby="tickets-heading" className="booking-form">
      <h2 id="tickets-heading">{t('concert.tickets')}</h2>
      <table className="ticket-table">
        <thead>
          <tr>
            <th scope="col">{t('concert.type')}</th>
            <th scope="col">{t('concert.price')}</th>
            <th scope="col">{t('concert.available')}</th>
            <th scope="col">{t('concert.quantity')}</th>
          </tr>
        </thead>
        <tbody>
          {concert.ticket_types.map((tt) => {
            const name = `quantities.${tt.id}` as const;
            const err = errors.quantities?.[String(tt.id)]?.message;
            const max = maxFor(tt);
            return (
              <tr key={tt.id}>
                <th scope="row">{tt.name}</th>
                <td>{formatRp(tt.price)}</td>
                <td data-testid={`available-${tt.id}`}>
                  {tt.available === 0 ? <strong>{t('concert.soldOut')}</strong> : tt.available}
                  {tt.per_user_limit !== null && <small className="hint"> {t('concert.limit', { n: tt.per_user_limit })}</small>}
                </td>
                <td>
                  <label className="visually-hidden" htmlFor={`qty-${tt.id}`}>
                    {t('concert.quantityFor', { name: tt.name })}
                  </label>
                  <input
                    id={`qty-${tt.id}`}
                    type="number"
                    inputMode="numeric"
                    min={0}
                    max={max}
                    step={1}
                    disabled={!bookable || max === 0}
                    aria-invalid={Boolean(err)}
                    aria-describedby={err ? `qty-${tt.id}-error` : undefined}
                    {...register(name)}
                  />
                  <span id={`qty-${tt.id}-error`} className="field-error" aria-live="polite">
                    {err}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="total" aria-live="polite">
        {t('book.total')}: <strong data-testid="total">{formatRp(total)}</strong>
      </p>
      <div aria-live="assertive" className="live">
        {errors.root?.message && <Notice>{errors.root.message}</Notice>}
        {failure && <Notice testId="booking-error">{failure}</Notice>}
      </div>
      {user ? (
        <button type="submit" disabled={isSubmitting || !bookable}>
          {isSubmitting ? t('book.booking') : t('book.submit')}
        </button>
      ) : (
        <p>
          <Link to={`/login?next=${encodeURIComponent(location.pathname)}`}>{t('book.signIn')}</Link>
        </p>
      )}
    </form>
  );
}
