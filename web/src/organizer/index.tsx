// The organizer's side, one lazy chunk: their concerts (drafts too), create and edit, ticket
// types, publish and cancel as the API's state rules allow, the stock report, and the door.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../api/client';
import { applyServerErrors } from '../api/errors';
import type { Concert, ConcertList, CreateConcertRequest, CreateTicketTypeRequest, Ticket } from '../api/types';
import { useI18n, type Translate } from '../i18n';
import { formatJakartaDateTime, formatRp, isoToJakartaLocal, jakartaLocalToIso } from '../lib/format';
import { Field, Notice, Spinner, StatusBadge, errorText } from '../components/ui';
import { ReportView } from '../components/ReportView';

function OrganizerNav() {
  const { t } = useI18n();
  return (
    <nav aria-label={t('org.nav')} className="subnav">
      <Link to="/organizer">{t('org.concerts')}</Link>
      <Link to="/organizer/concerts/new">{t('org.new')}</Link>
      <Link to="/organizer/stock">{t('org.stock')}</Link>
      <Link to="/organizer/check-in">{t('org.checkIn')}</Link>
    </nav>
  );
}

export function OrganizerConcerts() {
  const { t, lang } = useI18n();
  const list = useInfiniteQuery({
    queryKey: ['organizer-concerts'],
    queryFn: ({ pageParam, signal }) =>
      api.request<ConcertList>('/api/organizer/concerts', { query: { cursor: pageParam, limit: 20 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>{t('org.title')}</h1>
      <OrganizerNav />
      {list.isPending && <Spinner />}
      {list.isError && <Notice>{errorText(list.error, t)}</Notice>}
      {list.isSuccess && items.length === 0 && <p>{t('org.empty')}</p>}
      <ul className="rows">
        {items.map((c) => (
          <li key={c.id} className="row">
            <Link to={`/organizer/concerts/${c.id}`}>{c.title}</Link>
            <StatusBadge status={c.status} />
            <small className="muted">
              {formatJakartaDateTime(c.starts_at, lang)} · {c.city}
            </small>
            <span>
              {c.ticket_types.reduce((n, tt) => n + tt.quota - tt.available, 0)} /{' '}
              {c.ticket_types.reduce((n, tt) => n + tt.quota, 0)} {t('org.sold')}
            </span>
          </li>
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()}>
          {t('list.more')}
        </button>
      )}
    </section>
  );
}

const concertSchema = (t: Translate) =>
  z.object({
    title: z.string().trim().min(1, t('form.required')).max(200, t('form.tooLong', { max: 200 })),
    artist: z.string().trim().min(1, t('form.required')).max(200, t('form.tooLong', { max: 200 })),
    venue: z.string().trim().min(1, t('form.required')).max(200, t('form.tooLong', { max: 200 })),
    city: z.string().trim().min(1, t('form.required')).max(100, t('form.tooLong', { max: 100 })),
    starts_at: z
      .string()
      .min(1, t('form.required'))
      .refine((v) => Date.parse(jakartaLocalToIso(v)) > Date.now(), t('org.future')),
  });
type ConcertValues = z.infer<ReturnType<typeof concertSchema>>;
const CONCERT_FIELDS = ['title', 'artist', 'venue', 'city', 'starts_at'] as const;

export function ConcertEditor() {
  const { id } = useParams();
  const { t } = useI18n();
  const concert = useQuery({
    queryKey: ['concert', id],
    queryFn: ({ signal }) => api.request<Concert>(`/api/concerts/${id}`, { signal }),
    enabled: Boolean(id),
  });
  if (id && concert.isPending) return <Spinner />;
  if (id && concert.isError) throw concert.error;
  return (
    <section>
      <h1>{id ? t('org.edit') : t('org.new')}</h1>
      <OrganizerNav />
      <ConcertForm key={concert.data?.id ?? 'new'} concert={concert.data} />
      {concert.data && <ConcertState concert={concert.data} />}
      {concert.data && <TicketTypes concert={concert.data} />}
    </section>
  );
}

function ConcertForm({ concert }: { concert: Concert | undefined }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const { register, handleSubmit, setError, formState } = useForm<ConcertValues>({
    resolver: zodResolver(concertSchema(t)),
    defaultValues: concert
      ? { ...concert, starts_at: isoToJakartaLocal(concert.starts_at) }
      : { title: '', artist: '', venue: '', city: '', starts_at: '' },
  });
  const locked = concert?.status === 'cancelled';
  const onSubmit = async (v: ConcertValues) => {
    setFormError([]);
    setSaved(false);
    const body: CreateConcertRequest = { ...v, starts_at: jakartaLocalToIso(v.starts_at) };
    try {
      const result = await api.request<Concert>(concert ? `/api/concerts/${concert.id}` : '/api/concerts', {
        method: concert ? 'PATCH' : 'POST',
        body,
      });
      queryClient.setQueryData(['concert', String(result.id)], result);
      queryClient.invalidateQueries({ queryKey: ['organizer-concerts'] });
      if (concert) setSaved(true);
      else navigate(`/organizer/concerts/${result.id}`);
    } catch (e) {
      setFormError(applyServerErrors(setError, e, CONCERT_FIELDS).form);
    }
  };
  const e = formState.errors;
  const text = (name: (typeof CONCERT_FIELDS)[number], label: string, type = 'text') => (
    <Field label={label} error={e[name]?.message} hint={name === 'starts_at' ? t('org.jakartaTime') : undefined}>
      {(p) => <input {...p} type={type} disabled={locked} {...register(name)} />}
    </Field>
  );
  return (
    <form onSubmit={handleSubmit(onSubmit)} noValidate aria-label={t('org.details')} className="grid-form">
      {text('title', t('org.fTitle'))}
      {text('artist', t('org.fArtist'))}
      {text('venue', t('org.fVenue'))}
      {text('city', t('list.city'))}
      {text('starts_at', t('org.fStarts'), 'datetime-local')}
      <div aria-live="assertive" className="live">
        {formError.length > 0 && <Notice>{formError.join(' ')}</Notice>}
        {saved && <Notice kind="success">{t('org.saved')}</Notice>}
      </div>
      <button type="submit" disabled={formState.isSubmitting || locked}>
        {concert ? t('org.save') : t('org.create')}
      </button>
    </form>
  );
}

/** Publish and cancel, offered only where the API's state rules allow them. */
function ConcertState({ concert }: { concert: Concert }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const change = useMutation({
    mutationFn: (status: 'published' | 'cancelled') =>
      api.request<Concert>(`/api/concerts/${concert.id}`, { method: 'PATCH', body: { status } }),
    onSuccess: (c) => {
      queryClient.setQueryData(['concert', String(c.id)], c);
      queryClient.invalidateQueries({ queryKey: ['organizer-concerts'] });
      queryClient.invalidateQueries({ queryKey: ['concerts'] });
    },
  });
  const remove = useMutation({
    mutationFn: () => api.request<void>(`/api/concerts/${concert.id}`, { method: 'DELETE' }),
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: ['organizer-concerts'] });
      navigate('/organizer');
    },
  });
  const canPublish = concert.status === 'draft' && concert.ticket_types.length > 0;
  return (
    <section aria-labelledby="state-heading" className="panel">
      <h2 id="state-heading">
        {t('org.state')}: <StatusBadge status={concert.status} />
      </h2>
      {concert.status === 'draft' && concert.ticket_types.length === 0 && <p className="hint">{t('org.needTicketType')}</p>}
      {concert.status === 'cancelled' && <p className="hint">{t('org.cancelledFinal')}</p>}
      <div aria-live="assertive" className="live">
        {change.isError && <Notice>{errorText(change.error, t)}</Notice>}
        {remove.isError && <Notice>{errorText(remove.error, t)}</Notice>}
      </div>
      <div className="actions">
        {concert.status === 'draft' && (
          <button type="button" disabled={!canPublish || change.isPending} onClick={() => change.mutate('published')}>
            {t('org.publish')}
          </button>
        )}
        {concert.status !== 'cancelled' && (
          <button
            type="button"
            className="danger"
            disabled={change.isPending}
            onClick={() => window.confirm(t('org.cancelConfirm')) && change.mutate('cancelled')}
          >
            {t('org.cancelConcert')}
          </button>
        )}
        {concert.status === 'draft' && (
          <button
            type="button"
            className="secondary"
            disabled={remove.isPending}
            onClick={() => window.confirm(t('org.deleteConfirm')) && remove.mutate()}
          >
            {t('org.delete')}
          </button>
        )}
      </div>
    </section>
  );
}

const ticketTypeSchema = (t: Translate) =>
  z.object({
    name: z.string().trim().min(1, t('form.required')).max(100, t('form.tooLong', { max: 100 })),
    price: z.coerce.number({ invalid_type_error: t('book.whole') }).int(t('book.whole')).min(0, t('book.negative')),
    quota: z.coerce.number({ invalid_type_error: t('book.whole') }).int(t('book.whole')).min(1, t('org.atLeastOne')),
    per_user_limit: z.union([z.literal(''), z.coerce.number().int(t('book.whole')).min(1, t('org.atLeastOne'))]),
  });
type TicketTypeValues = z.infer<ReturnType<typeof ticketTypeSchema>>;

function TicketTypes({ concert }: { concert: Concert }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string[]>([]);
  const { register, handleSubmit, setError, reset, formState } = useForm<TicketTypeValues>({
    resolver: zodResolver(ticketTypeSchema(t)),
    defaultValues: { name: '', price: 0, quota: 100, per_user_limit: '' },
  });
  const onSubmit = async (v: TicketTypeValues) => {
    setFormError([]);
    const body: CreateTicketTypeRequest = { name: v.name, price: v.price, quota: v.quota };
    if (v.per_user_limit !== '') body.per_user_limit = v.per_user_limit;
    try {
      await api.request(`/api/concerts/${concert.id}/ticket-types`, { method: 'POST', body });
      reset();
      queryClient.invalidateQueries({ queryKey: ['concert', String(concert.id)] });
    } catch (e) {
      setFormError(applyServerErrors(setError, e, ['name', 'price', 'quota', 'per_user_limit'] as const).form);
    }
  };
  const e = formState.errors;
  return (
    <section aria-labelledby="tt-heading" className="panel">
      <h2 id="tt-heading">{t('concert.tickets')}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('concert.type')}</th>
            <th scope="col">{t('concert.price')}</th>
            <th scope="col">{t('org.quota')}</th>
            <th scope="col">{t('concert.available')}</th>
            <th scope="col">{t('org.limit')}</th>
          </tr>
        </thead>
        <tbody>
          {concert.ticket_types.map((tt) => (
            <tr key={tt.id}>
              <th scope="row">{tt.name}</th>
              <td>{formatRp(tt.price)}</td>
              <td>{tt.quota}</td>
              <td>{tt.available}</td>
              <td>{tt.per_user_limit ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {concert.status !== 'cancelled' && (
        <form onSubmit={handleSubmit(onSubmit)} noValidate aria-label={t('org.addType')} className="grid-form">
          <Field label={t('org.typeName')} error={e.name?.message}>
            {(p) => <input {...p} {...register('name')} />}
          </Field>
          <Field label={t('org.priceRp')} error={e.price?.message}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={0} step={1000} {...register('price')} />}
          </Field>
          <Field label={t('org.quota')} error={e.quota?.message}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={1} {...register('quota')} />}
          </Field>
          <Field label={t('org.limit')} error={e.per_user_limit?.message} hint={t('org.limitHint')}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={1} {...register('per_user_limit')} />}
          </Field>
          <div aria-live="assertive" className="live">
            {formError.length > 0 && <Notice>{formError.join(' ')}</Notice>}
          </div>
          <button type="submit" disabled={formState.isSubmitting}>
            {t('org.addType')}
          </button>
        </form>
      )}
    </section>
  );
}

/** Seats per ticket type of the organizer's concerts, live from their concert list, then the server's stock report. */
export function StockReport() {
  const { t } = useI18n();
  const list = useInfiniteQuery({
    queryKey: ['organizer-concerts'],
    queryFn: ({ pageParam, signal }) =>
      api.request<ConcertList>('/api/organizer/concerts', { query: { cursor: pageParam, limit: 100 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const concerts = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>{t('org.stock')}</h1>
      <OrganizerNav />
      {list.isPending && <Spinner />}
      {list.isError && <Notice>{errorText(list.error, t)}</Notice>}
      <div className="table-scroll" tabIndex={0} role="region" aria-label={t('org.stock')}>
        <table data-testid="stock-table">
          <thead>
            <tr>
              <th scope="col">{t('org.concerts')}</th>
              <th scope="col">{t('concert.type')}</th>
              <th scope="col">{t('org.quota')}</th>
              <th scope="col">{t('org.soldHeld')}</th>
              <th scope="col">{t('concert.available')}</th>
            </tr>
          </thead>
          <tbody>
            {concerts.flatMap((c) =>
              c.ticket_types.map((tt, i) => (
                <tr key={tt.id}>
                  {i === 0 ? (
                    <th scope="rowgroup" rowSpan={c.ticket_types.length}>
                      <Link to={`/organizer/concerts/${c.id}`}>{c.title}</Link> <StatusBadge status={c.status} />
                    </th>
                  ) : null}
                  <td>{tt.name}</td>
                  <td>{tt.quota}</td>
                  <td>{tt.quota - tt.available}</td>
                  <td>{tt.available}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <h2>{t('org.stockReport')}</h2>
      <ReportView name="stock" chart={null} />
    </section>
  );
}

type CheckResult = { kind: 'ok'; ticket: Ticket } | { kind: 'used' | 'unknown' | 'error'; message: string };

export function CheckIn() {
  const { t, lang } = useI18n();
  const [code, setCode] = useState('');
  const [result, setResult] = useState<CheckResult | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = code.trim().toUpperCase();
    if (!value) return;
    setBusy(true);
    try {
      const ticket = await api.request<Ticket>(`/api/tickets/${encodeURIComponent(value)}/check-in`, { method: 'POST' });
      setResult({ kind: 'ok', ticket });
      setCode('');
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setResult({ kind: 'used', message: err.problem?.detail ?? '' });
      else if (err instanceof ApiError && (err.status === 404 || err.status === 400))
        setResult({ kind: 'unknown', message: err.problem?.detail ?? '' });
      else setResult({ kind: 'error', message: errorText(err, t) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="narrow">
      <h1>{t('org.checkIn')}</h1>
      <OrganizerNav />
      <form onSubmit={submit} aria-label={t('org.checkIn')}>
        <div className="field">
          <label htmlFor="ticket-code">{t('org.ticketCode')}</label>
          <input
            id="ticket-code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            placeholder="TKT-…"
          />
          <small className="hint">{t('org.scanHint')}</small>
        </div>
        <button type="submit" disabled={busy}>
          {t('org.admit')}
        </button>
      </form>
      <div aria-live="assertive" className="live" data-testid="check-in-result">
        {result?.kind === 'ok' && (
          <Notice kind="success">
            {t('org.admitted', { type: result.ticket.ticket_type_name, holder: result.ticket.holder })}{' '}
            {result.ticket.checked_in_at && formatJakartaDateTime(result.ticket.checked_in_at, lang)}
          </Notice>
        )}
        {result?.kind === 'used' && <Notice>{t('org.alreadyUsed', { detail: result.message })}</Notice>}
        {result?.kind === 'unknown' && <Notice>{t('org.unknownTicket', { detail: result.message })}</Notice>}
        {result?.kind === 'error' && <Notice>{result.message}</Notice>}
      </div>
    </section>
  );
}
