import { useEffect, useId, useState, type ReactNode } from 'react';
import { Navigate, useLocation, useRouteError, isRouteErrorResponse, Link } from 'react-router-dom';
import { useI18n } from '../i18n';
import { useAuth } from '../auth/AuthContext';
import { ApiError } from '../api/client';
import type { Role } from '../api/types';
import { formatCountdown } from '../lib/countdown';

export function Spinner({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <p className="spinner" role="status" aria-live="polite">
      {label ?? t('common.loading')}
    </p>
  );
}

/** An announced message: role=alert for errors, role=status for the rest. */
export function Notice({ kind = 'error', children, testId }: { kind?: 'error' | 'info' | 'success'; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}

/** A short wait after a 429: counts down, then lets the caller try again. */
export function RateLimitWait({ seconds, onDone }: { seconds: number; onDone: () => void }) {
  const { t } = useI18n();
  const [left, setLeft] = useState(seconds);
  useEffect(() => {
    if (left <= 0) {
      onDone();
      return undefined;
    }
    const id = setTimeout(() => setLeft((s) => s - 1), 1000);
    return () => clearTimeout(id);
  }, [left, onDone]);
  return (
    <Notice kind="info" testId="rate-limit">
      {t('common.tooMany', { time: formatCountdown(left) })}
    </Notice>
  );
}

/** Label, input, hint and the error, wired up with ids so a screen reader reads them together. */
export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      <span id={`${id}-error`} className="field-error" aria-live="polite">
        {error}
      </span>
    </div>
  );
}

export function errorText(error: unknown, t: ReturnType<typeof useI18n>['t']): string {
  if (error instanceof ApiError) {
    if (error.status === 429) return t('common.tooMany', { time: formatCountdown(error.retryAfter ?? 60) });
    if (error.status >= 500) return t('common.serverError');
    return error.problem?.detail || error.message;
  }
  if (error instanceof TypeError) return t('common.network');
  return error instanceof Error ? error.message : String(error);
}

/** The error element of every route: the rest of the app keeps working. */
export function RouteError() {
  const error = useRouteError();
  const { t } = useI18n();
  const notFound = (isRouteErrorResponse(error) && error.status === 404) || (error instanceof ApiError && error.status === 404);
  return (
    <section className="route-error">
      <h1>{notFound ? t('error.notFoundTitle') : t('error.title')}</h1>
      <Notice>{notFound ? t('error.notFound') : errorText(error, t)}</Notice>
      <p>
        <Link to="/">{t('error.home')}</Link>
      </p>
    </section>
  );
}

export function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t('error.notFoundTitle')}</h1>
      <p>{t('error.notFound')}</p>
      <Link to="/">{t('error.home')}</Link>
    </section>
  );
}

export function RequireAuth({ roles, children }: { roles?: Role[]; children: ReactNode }) {
  const { user, ready } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (!ready) return <Spinner />;
  if (!user) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (roles && !roles.includes(user.role)) {
    return (
      <section>
        <h1>{t('error.forbiddenTitle')}</h1>
        <Notice>{t('error.forbidden')}</Notice>
      </section>
    );
  }
  return <>{children}</>;
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `status.${status}` as Parameters<typeof t>[0];
  const text = t(key);
  return (
    <span className={`badge badge-${status}`} data-testid="status">
      {text === key ? status : text}
    </span>
  );
}
