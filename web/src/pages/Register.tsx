import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { api } from '../api/client';
import { applyServerErrors } from '../api/errors';
import type { RegisterRequest, User } from '../api/types';
import { useI18n, type Translate } from '../i18n';
import { Field, Notice, RateLimitWait } from '../components/ui';

const FIELDS = ['email', 'password', 'name'] as const;

// The client checks only the obvious; the server's rules (the common-password list, the email
// rules) come back as errors[] and land under the same fields.
export const registerSchema = (t: Translate) =>
  z.object({
    name: z.string().trim().min(1, t('form.required')).max(100, t('form.tooLong', { max: 100 })),
    email: z.string().trim().min(1, t('form.required')).email(t('form.email')),
    password: z.string().min(10, t('form.passwordMin')).max(128, t('form.tooLong', { max: 128 })),
  });

export default function RegisterPage() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [formError, setFormError] = useState<string[]>([]);
  const [wait, setWait] = useState<number | undefined>();
  const schema = registerSchema(t);
  type Values = z.infer<typeof schema>;
  const { register, handleSubmit, setError, formState } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { name: '', email: '', password: '' },
  });
  const onSubmit = async (v: Values) => {
    setFormError([]);
    try {
      const body: RegisterRequest = { email: v.email, password: v.password, name: v.name };
      const user = await api.request<User>('/api/auth/register', { method: 'POST', body });
      navigate(`/login?registered=1&mode=code&email=${encodeURIComponent(user.email)}`);
    } catch (e) {
      const r = applyServerErrors(setError, e, FIELDS);
      setFormError(r.form);
      setWait(r.retryAfter);
    }
  };
  const e = formState.errors;
  return (
    <section className="narrow">
      <h1>{t('register.title')}</h1>
      <form onSubmit={handleSubmit(onSubmit)} noValidate aria-label={t('register.title')}>
        <Field label={t('form.nameLabel')} error={e.name?.message}>
          {(p) => <input {...p} autoComplete="name" {...register('name')} />}
        </Field>
        <Field label={t('form.emailLabel')} error={e.email?.message}>
          {(p) => <input {...p} type="email" autoComplete="email" {...register('email')} />}
        </Field>
        <Field label={t('form.passwordLabel')} error={e.password?.message} hint={t('register.passwordHint')}>
          {(p) => <input {...p} type="password" autoComplete="new-password" {...register('password')} />}
        </Field>
        <div aria-live="assertive" className="live">
          {formError.length > 0 && <Notice>{formError.join(' ')}</Notice>}
          {wait !== undefined && <RateLimitWait seconds={wait} onDone={() => setWait(undefined)} />}
        </div>
        <button type="submit" disabled={formState.isSubmitting || wait !== undefined}>
          {t('register.submit')}
        </button>
      </form>
      <p>
        {t('register.haveAccount')} <Link to="/login">{t('nav.login')}</Link>
      </p>
    </section>
  );
}
