import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { TERMINAL_BOOKING_STATUSES, type Booking, type BookingStatus, type Concert, type Payment, type Ticket } from '../api/types';
import { useI18n } from '../i18n';
import { formatJakartaDateTime, formatRp } from '../lib/format';
import { formatCountdown, useCountdown } from '../lib/countdown';
import { followBookingEvents } from '../lib/bookingEvents';
import { Notice, Spinner, StatusBadge, errorText } from '../components/ui';
import { Qr } from '../components/Qr';

const isFinal = (s: BookingStatus) => TERMINAL_BOOKING_STATUSES.includes(s);

/**
 * Keeps the cached booking current: the events stream while it is open, polling every few
 * seconds when the stream could not be opened or dropped before a final status.
 */
function useLiveBooking(code: string) {
  const queryClient = useQueryClient();
  const [polling, setPolling] = useState(false);
  const booking = useQuery({
    queryKey: ['booking', code],
    queryFn: ({ signal }) => api.request<Booking>(`/api/bookings/${code}`, { signal }),
    refetchInterval: (q) => (polling && q.state.data && !isFinal(q.state.data.status) ? 3000 : false),
  });
  const status = booking.data?.status;
  const final = status ? isFinal(status) : false;
  useEffect(() => {
    if (!status || final) return undefined;
    const controller = new AbortController();
    followBookingEvents(
      code,
      (ev) => {
        queryClient.setQueryData<Booking>(['booking', code], (old) => (old ? { ...old, status: ev.status } : old));
        if (isFinal(ev.status)) {
          // The rest of the booking (and its tickets) may have changed with it.
          queryClient.invalidateQueries({ queryKey: ['booking', code] });
          queryClient.invalidateQueries({ queryKey: ['tickets', code] });
          queryClient.invalidateQueries({ queryKey: ['bookings'] });
        }
      },
      controller.signal,
      isFinal,
    ).then((ended) => {
      if (!ended && !controller.signal.aborted) setPolling(true);
    });
    return () => controller.abort();
    // Re-subscribe only when the booking becomes final (or first loads), not on every event.
  }, [code, final, Boolean(status)]); // eslint-disable-line react-hooks/exhaustive-deps
  return booking;
}

export default function BookingPage() {
  const { code = '' } = useParams();
  const { t, lang } = useI18n();
  const queryClient = useQueryClient();
  const booking = useLiveBooking(code);
  const b = booking.data;
  const concert = useQuery({
    queryKey: ['concert', String(b?.concert_id)],
    queryFn: ({ signal }) => api.request<Concert>(`/api/concerts/${b?.concert_id}`, { signal }),
    enabled: Boolean(b),
    retry: false,
  });
  const left = useCountdown(b?.status === 'pending_payment' ? b.expires_at : null);

  const pay = useMutation({
    mutationFn: () => api.request<Payment>(`/api/bookings/${code}/payments`, { method: 'POST' }),
    onSuccess: (p) => {
      if (p.redirect_url) window.location.assign(p.redirect_url);
    },
  });
  const cancel = useMutation({
    mutationFn: () => api.request<Booking>(`/api/bookings/${code}/cancel`, { method: 'POST' }),
    onSuccess: (updated) => {
      queryClient.setQueryData(['booking', code], updated);
      queryClient.invalidateQueries({ queryKey: ['bookings'] });
    },
  });

  if (booking.isPending) return <Spinner />;
  if (booking.isError) throw booking.error;
  if (!b) return null;
  const names = new Map(concert.data?.ticket_types.map((tt) => [tt.id, tt.name]));
  return (
    <article>
      <p>
        <Link to="/bookings">← {t('bookings.title')}</Link>
      </p>
      <h1>
        {t('booking.title')} <span className="code">{b.code}</span>
      </h1>
      <p aria-live="polite" role="status">
        {t('booking.status')}: <StatusBadge status={b.status} />
      </p>
      {concert.data && (
        <p>
          <Link to={`/concerts/${concert.data.id}`}>{concert.data.title}</Link> ·{' '}
          {formatJakartaDateTime(concert.data.starts_at, lang)} · {concert.data.venue}, {concert.data.city}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{t('concert.type')}</th>
            <th scope="col">{t('concert.quantity')}</th>
            <th scope="col">{t('concert.price')}</th>
          </tr>
        </thead>
        <tbody>
          {b.items.map((i) => (
            <tr key={i.ticket_type_id}>
              <th scope="row">{names.get(i.ticket_type_id) ?? `#${i.ticket_type_id}`}</th>
              <td>{i.quantity}</td>
              <td>{formatRp(i.unit_price * i.quantity)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('book.total')}</th>
            <td />
            <td>
              <strong>{formatRp(b.total_amount)}</strong>
            </td>
          </tr>
        </tfoot>
      </table>
      {b.status === 'pending_payment' && (
        <section aria-labelledby="pay-heading" className="pay-box">
          <h2 id="pay-heading">{t('booking.payTitle')}</h2>
          <p data-testid="countdown">
            {left > 0 ? t('booking.holdLeft', { time: formatCountdown(left) }) : t('booking.holdOver')}
          </p>
          {pay.isError && <Notice>{errorText(pay.error, t)}</Notice>}
          {cancel.isError && <Notice>{errorText(cancel.error, t)}</Notice>}
          <div className="actions">
            <button type="button" onClick={() => pay.mutate()} disabled={pay.isPending || left <= 0}>
              {pay.isPending ? t('booking.redirecting') : t('booking.pay')}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={cancel.isPending}
              onClick={() => {
                if (window.confirm(t('booking.cancelConfirm'))) cancel.mutate();
              }}
            >
              {t('booking.cancel')}
            </button>
          </div>
          <p className="hint">{t('booking.liveHint')}</p>
        </section>
      )}
      {b.status === 'paid' && <Tickets code={b.code} />}
    </article>
  );
}

function Tickets({ code }: { code: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<string | null>(null);
  const tickets = useQuery({
    queryKey: ['tickets', code],
    queryFn: ({ signal }) => api.request<{ items: Ticket[] }>(`/api/bookings/${code}/tickets`, { signal }),
  });
  if (tickets.isPending) return <Spinner />;
  if (tickets.isError) return <Notice>{errorText(tickets.error, t)}</Notice>;
  return (
    <section aria-labelledby="tickets-title">
      <h2 id="tickets-title">{t('tickets.title')}</h2>
      <ul className="rows">
        {tickets.data.items.map((tk) => (
          <li key={tk.code} className="ticket">
            <div>
              <strong>{tk.ticket_type_name}</strong> · {tk.holder}
              <br />
              <code>{tk.code}</code>
              {tk.checked_in_at && <span className="badge badge-paid">{t('tickets.used')}</span>}
            </div>
            <button
              type="button"
              aria-expanded={open === tk.code}
              aria-controls={`qr-${tk.code}`}
              onClick={() => setOpen(open === tk.code ? null : tk.code)}
            >
              {open === tk.code ? t('tickets.hideQr') : t('tickets.showQr')}
            </button>
            {open === tk.code && (
              <div id={`qr-${tk.code}`} className="qr">
                <Qr value={tk.code} label={t('tickets.qrLabel', { code: tk.code })} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
