import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { navigate } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { Button, TextInput } from '../ui/index.ts';
import { AuthLayout, SignInLink } from './auth-layout.tsx';

export default function SignUp() {
  const t = useT();
  const { refresh } = useSession();
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      await api.post('/v1/auth/sign-up', form);
      await refresh();
      navigate('/', { replace: true });
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setPending(false);
    }
  }
  const fieldError = (f: string) => (error && error.message.toLowerCase().includes(f) ? error.message : undefined);
  return (
    <AuthLayout title={t('auth.signUpTitle')}>
      <form onSubmit={submit} className="space-y-4">
        <p className="text-sm text-slate-600 dark:text-slate-400">{t('auth.signUpOwner')}</p>
        <TextInput label={t('auth.name')} name="name" autoComplete="name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <TextInput label={t('auth.email')} name="email" type="email" required autoComplete="username" value={form.email} error={fieldError('email')} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        <TextInput label={t('auth.password')} name="password" type="password" required autoComplete="new-password" value={form.password} error={fieldError('password')} onChange={(e) => setForm({ ...form, password: e.target.value })} />
        {error && !fieldError('email') && !fieldError('password') && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error.message}
          </p>
        )}
        <Button type="submit" variant="primary" pending={pending} className="w-full">
          {t('auth.signUp')}
        </Button>
      </form>
      <SignInLink>{t('auth.haveAccount')}</SignInLink>
    </AuthLayout>
  );
}
