import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { api } from '../api/client';
import { applyServerErrors } from '../api/errors';
import { useAuth } from '../auth/AuthContext';
import { useI18n, type Translate } from '../i18n';
import { Field, Notice, RateLimitWait } from '../components/ui';

/** Only paths inside the app: `next` comes from the URL and must not send anyone elsewhere. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

const emailSchema = (t: Translate) => z.string().trim().min(1, t('form.required')).email(t('form.email'));

export default function LoginPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const [mode, setMode] = useState<'password' | 'code'>(params.get('mode') === 'code' ? 'code' : 'password');
  return (
    <section className="narrow">
      <h1>{t('login.title')}</h1>
      {params.get('registered') && <Notice kind="success">{t('login.registered')}</Notice>}
      <div className="tabs" role="group" aria-label={t('login.method')}>
        <button type="button" aria-pressed={mode === 'password'} onClick={() => setMode('password')}>
          {t('login.withPassword')}
        </button>
        <button type="button" aria-pressed={mode === 'code'} onClick={() => setMode('code')}>
          {t('login.withCode')}
        </button>
      </div>
      {mode === 'password' ? <PasswordLogin /> : <CodeLogin />}
      <p>
        {t('login.noAccount')} <Link to="/register">{t('login.register')}</Link>
      </p>
    </section>
  );
}

function useAfterLogin() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  return () => navigate(safeNext(params.get('next')), { replace: true });
}

function PasswordLogin() {
  const { t } = useI18n();
  const { loginWithPassword } = useAuth();
  const [params] = useSearchParams();
  const done = useAfterLogin();
  const [formError, setFormError] = useState<string[]>([]);
  const [wait, setWait] = useState<number | undefined>();
  const schema = z.object({ email: emailSchema(t), password: z.string().min(1, t('form.required')) });
  type Values = z.infer<typeof schema>;
  const { register, handleSubmit, setError, formState } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { email: params.get('email') ?? '', password: '' },
  });
  const onSubmit = async (v: Values) => {
    setFormError([]);
    try {
      await loginWithPassword(v.email, v.password);
      done();
    } catch (e) {
      const r = applyServerErrors(setError, e, ['email', 'password'] as const);
      setFormError(r.form);
      setWait(r.retryAfter);
    }
  };
  const e = formState.errors;
  return (
    <form onSubmit={handleSubmit(onSubmit)} noValidate aria-label={t('login.withPassword')}>
      <Field label={t('form.emailLabel')} error={e.email?.message}>
        {(p) => <input {...p} type="email" autoComplete="email" {...register('email')} />}
      </Field>
      <Field label={t('form.passwordLabel')} error={e.password?.message}>
        {(p) => <input {...p} type="password" autoComplete="current-password" {...register('password')} />}
      </Field>
      <div aria-live="assertive" className="live">
        {formError.length > 0 && <Notice>{formError.join(' ')}</Notice>}
        {wait !== undefined && <RateLimitWait seconds={wait} onDone={() => setWait(undefined)} />}
      </div>
      <button type="submit" disabled={formState.isSubmitting || wait !== undefined}>
        {t('login.submit')}
      </button>
    </form>
  );
}

function CodeLogin() {
  const { t } = useI18n();
  const { loginWithCode } = useAuth();
  const [params] = useSearchParams();
  const done = useAfterLogin();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [formError, setFormError] = useState<string[]>([]);
  const [wait, setWait] = useState<number | undefined>();

  const requestSchema = z.object({ email: emailSchema(t) });
  const request = useForm<z.infer<typeof requestSchema>>({
    resolver: zodResolver(requestSchema),
    defaultValues: { email: params.get('email') ?? '' },
  });
  const verifySchema = z.object({ code: z.string().trim().regex(/^\d{6}$/, t('login.sixDigits')) });
  const verify = useForm<z.infer<typeof verifySchema>>({ resolver: zodResolver(verifySchema), defaultValues: { code: '' } });

  const fail = (e: unknown, setError: Parameters<typeof applyServerErrors>[0]) => {
    const r = applyServerErrors(setError, e, ['email', 'code'] as const);
    setFormError(r.form);
    setWait(r.retryAfter);
  };

  const live = (
    <div aria-live="assertive" className="live">
      {formError.length > 0 && <Notice>{formError.join(' ')}</Notice>}
      {wait !== undefined && <RateLimitWait seconds={wait} onDone={() => setWait(undefined)} />}
    </div>
  );

  if (sentTo === null) {
    return (
      <form
        noValidate
        aria-label={t('login.withCode')}
        onSubmit={request.handleSubmit(async (v) => {
          setFormError([]);
          try {
            await api.request('/api/auth/login-code', { method: 'POST', body: { email: v.email } });
            setSentTo(v.email);
          } catch (e) {
            fail(e, request.setError as Parameters<typeof applyServerErrors>[0]);
          }
        })}
      >
        <Field label={t('form.emailLabel')} error={request.formState.errors.email?.message}>
          {(p) => <input {...p} type="email" autoComplete="email" {...request.register('email')} />}
        </Field>
        {live}
        <button type="submit" disabled={request.formState.isSubmitting || wait !== undefined}>
          {t('login.sendCode')}
        </button>
      </form>
    );
  }
  return (
    <form
      noValidate
      aria-label={t('login.enterCode')}
      onSubmit={verify.handleSubmit(async (v) => {
        setFormError([]);
        try {
          await loginWithCode(sentTo, v.code);
          done();
        } catch (e) {
          fail(e, verify.setError as Parameters<typeof applyServerErrors>[0]);
        }
      })}
    >
      <Notice kind="info">{t('login.codeSent', { email: sentTo })}</Notice>
      <Field label={t('login.codeLabel')} error={verify.formState.errors.code?.message}>
        {(p) => (
          <input
            {...p}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            pattern="[0-9]*"
            {...verify.register('code')}
          />
        )}
      </Field>
      {live}
      <button type="submit" disabled={verify.formState.isSubmitting || wait !== undefined}>
        {t('login.submit')}
      </button>{' '}
      <button type="button" className="secondary" onClick={() => setSentTo(null)}>
        {t('login.otherEmail')}
      </button>
    </form>
  );
}
