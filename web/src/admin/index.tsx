// The admin's side, one lazy chunk: users, jobs, and the five reports.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useState } from 'react';
import { api } from '../api/client';
import { applyServerErrors } from '../api/errors';
import type { Job, JobRun, Role, User, UserList } from '../api/types';
import { useI18n, type Translate } from '../i18n';
import { formatJakartaDateTime } from '../lib/format';
import { Field, Notice, Spinner, StatusBadge, errorText } from '../components/ui';
import { ReportView } from '../components/ReportView';

const ROLES: Role[] = ['customer', 'organizer', 'admin'];

function AdminNav() {
  const { t } = useI18n();
  return (
    <nav aria-label={t('admin.nav')} className="subnav">
      <Link to="/admin">{t('admin.users')}</Link>
      <Link to="/admin/jobs">{t('admin.jobs')}</Link>
      <Link to="/admin/reports">{t('admin.reports')}</Link>
    </nav>
  );
}

export function AdminUsers() {
  const { t } = useI18n();
  const [role, setRole] = useState('');
  const list = useInfiniteQuery({
    queryKey: ['users', role],
    queryFn: ({ pageParam, signal }) =>
      api.request<UserList>('/api/users', { query: { role, cursor: pageParam, limit: 50 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>{t('admin.users')}</h1>
      <AdminNav />
      <CreateUser />
      <div className="field inline">
        <label htmlFor="role-filter">{t('admin.role')}</label>
        <select id="role-filter" value={role} onChange={(e) => setRole(e.target.value)}>
          <option value="">{t('bookings.all')}</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </div>
      {list.isPending && <Spinner />}
      {list.isError && <Notice>{errorText(list.error, t)}</Notice>}
      <div className="table-scroll" tabIndex={0} role="region" aria-label={t('admin.users')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('form.nameLabel')}</th>
              <th scope="col">{t('form.emailLabel')}</th>
              <th scope="col">{t('admin.role')}</th>
              <th scope="col">{t('admin.status')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((u) => (
              <UserRow key={u.id} user={u} />
            ))}
          </tbody>
        </table>
      </div>
      {list.hasNextPage && (
        <button type="button" onClick={() => list.fetchNextPage()}>
          {t('list.more')}
        </button>
      )}
    </section>
  );
}

function UserRow({ user }: { user: User }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: (body: { role?: Role; status?: 'active' | 'disabled' }) =>
      api.request<User>(`/api/users/${user.id}`, { method: 'PATCH', body }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['users'] }),
  });
  return (
    <tr>
      <th scope="row">{user.name}</th>
      <td>{user.email}</td>
      <td>
        <label className="visually-hidden" htmlFor={`role-${user.id}`}>
          {t('admin.roleOf', { name: user.name })}
        </label>
        <select
          id={`role-${user.id}`}
          value={user.role}
          disabled={update.isPending}
          onChange={(e) => update.mutate({ role: e.target.value as Role })}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </td>
      <td>
        <StatusBadge status={user.status} />{' '}
        <button
          type="button"
          className="link-button"
          disabled={update.isPending}
          onClick={() => update.mutate({ status: user.status === 'active' ? 'disabled' : 'active' })}
        >
          {user.status === 'active' ? t('admin.disable') : t('admin.enable')}
        </button>
        {update.isError && <Notice>{errorText(update.error, t)}</Notice>}
      </td>
    </tr>
  );
}

const userSchema = (t: Translate) =>
  z.object({
    name: z.string().trim().min(1, t('form.required')),
    email: z.string().trim().min(1, t('form.required')).email(t('form.email')),
    password: z.string().min(10, t('form.passwordMin')),
    role: z.enum(['customer', 'organizer', 'admin']),
  });

function CreateUser() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string[]>([]);
  const [created, setCreated] = useState<string | null>(null);
  type Values = z.infer<ReturnType<typeof userSchema>>;
  const { register, handleSubmit, setError, reset, formState } = useForm<Values>({
    resolver: zodResolver(userSchema(t)),
    defaultValues: { name: '', email: '', password: '', role: 'organizer' },
  });
  const onSubmit = async (v: Values) => {
    setFormError([]);
    setCreated(null);
    try {
      const u = await api.request<User>('/api/users', { method: 'POST', body: v });
      setCreated(u.email);
      reset();
      queryClient.invalidateQueries({ queryKey: ['users'] });
    } catch (e) {
      setFormError(applyServerErrors(setError, e, ['name', 'email', 'password', 'role'] as const).form);
    }
  };
  const e = formState.errors;
  return (
    <details className="panel">
      <summary>{t('admin.createUser')}</summary>
      <form onSubmit={handleSubmit(onSubmit)} noValidate className="grid-form" aria-label={t('admin.createUser')}>
        <Field label={t('form.nameLabel')} error={e.name?.message}>
          {(p) => <input {...p} {...register('name')} />}
        </Field>
        <Field label={t('form.emailLabel')} error={e.email?.message}>
          {(p) => <input {...p} type="email" {...register('email')} />}
        </Field>
        <Field label={t('form.passwordLabel')} error={e.password?.message}>
          {(p) => <input {...p} type="password" autoComplete="new-password" {...register('password')} />}
        </Field>
        <Field label={t('admin.role')} error={e.role?.message}>
          {(p) => (
            <select {...p} {...register('role')}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div aria-live="assertive" className="live">
          {formError.length > 0 && <Notice>{formError.join(' ')}</Notice>}
          {created && <Notice kind="success">{t('admin.created', { email: created })}</Notice>}
        </div>
        <button type="submit" disabled={formState.isSubmitting}>
          {t('admin.create')}
        </button>
      </form>
    </details>
  );
}

export function AdminJobs() {
  const { t, lang } = useI18n();
  const queryClient = useQueryClient();
  const jobs = useQuery({
    queryKey: ['jobs'],
    queryFn: ({ signal }) => api.request<{ items: Job[] }>('/api/admin/jobs', { signal }),
    refetchInterval: 5000,
  });
  const [open, setOpen] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: (name: string) => api.request(`/api/admin/jobs/${name}/run`, { method: 'POST' }),
    onSettled: () => {
      queryClient.invalidateQueries({ queryKey: ['jobs'] });
      queryClient.invalidateQueries({ queryKey: ['job-runs'] });
    },
  });
  const when = (iso: string | null | undefined) => (iso ? formatJakartaDateTime(iso, lang) : '—');
  return (
    <section>
      <h1>{t('admin.jobs')}</h1>
      <AdminNav />
      {jobs.isPending && <Spinner />}
      {jobs.isError && <Notice>{errorText(jobs.error, t)}</Notice>}
      <div aria-live="assertive" className="live">
        {run.isError && <Notice>{errorText(run.error, t)}</Notice>}
        {run.isSuccess && <Notice kind="success">{t('admin.started', { name: run.variables })}</Notice>}
      </div>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={t('admin.jobs')}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('admin.job')}</th>
              <th scope="col">{t('admin.lastRun')}</th>
              <th scope="col">{t('admin.nextRun')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('admin.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.data?.items.map((j) => (
              <tr key={j.name}>
                <th scope="row">
                  {j.name}
                  <br />
                  <small className="muted job-description">{j.description}</small>
                </th>
                <td>
                  {j.last_run ? (
                    <>
                      <StatusBadge status={j.last_run.outcome} /> {when(j.last_run.started_at)}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{j.running ? t('admin.running') : when(j.next_due_at)}</td>
                <td>
                  <div className="actions">
                    <button type="button" disabled={j.running || run.isPending} onClick={() => run.mutate(j.name)}>
                      {t('admin.runNow')}
                    </button>
                    <button type="button" className="secondary" aria-expanded={open === j.name} onClick={() => setOpen(open === j.name ? null : j.name)}>
                      {t('admin.runs')}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open && <JobRuns name={open} />}
    </section>
  );
}

function JobRuns({ name }: { name: string }) {
  const { t, lang } = useI18n();
  const runs = useQuery({
    queryKey: ['job-runs', name],
    queryFn: ({ signal }) => api.request<{ items: JobRun[] }>(`/api/admin/jobs/${name}/runs`, { query: { limit: 20 }, signal }),
  });
  return (
    <section className="panel" aria-labelledby="runs-heading">
      <h2 id="runs-heading">{t('admin.runsOf', { name })}</h2>
      {runs.isPending && <Spinner />}
      {runs.isError && <Notice>{errorText(runs.error, t)}</Notice>}
      <ul className="rows">
        {runs.data?.items.map((r) => (
          <li key={r.id} className="row">
            <StatusBadge status={r.outcome} />
            <span>{formatJakartaDateTime(r.started_at, lang)}</span>
            <small className="muted">
              {r.trigger} · {r.detail ? JSON.stringify(r.detail) : ''} {r.error ?? ''}
            </small>
          </li>
        ))}
      </ul>
    </section>
  );
}

const REPORTS = [
  { name: 'monthly-sales', chart: true },
  { name: 'sales-by-city', chart: true },
  { name: 'top-customers', chart: false },
  { name: 'stock', chart: false },
  { name: 'requests-per-hour', chart: false },
] as const;

export function AdminReports() {
  const { t } = useI18n();
  const [current, setCurrent] = useState<(typeof REPORTS)[number]['name']>('monthly-sales');
  const report = REPORTS.find((r) => r.name === current) ?? REPORTS[0];
  return (
    <section>
      <h1>{t('admin.reports')}</h1>
      <AdminNav />
      <div className="tabs" role="group" aria-label={t('admin.reports')}>
        {REPORTS.map((r) => (
          <button key={r.name} type="button" aria-pressed={current === r.name} onClick={() => setCurrent(r.name)}>
            {t(`reports.${r.name}`)}
          </button>
        ))}
      </div>
      <h2>{t(`reports.${report.name}`)}</h2>
      <ReportView key={report.name} name={report.name} chart={report.chart ? t(`reports.${report.name}`) : null} />
    </section>
  );
}
