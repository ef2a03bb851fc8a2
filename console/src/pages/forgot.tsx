import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { Button, TextInput } from '../ui/index.ts';
import { AuthLayout, SignInLink } from './auth-layout.tsx';

export default function Forgot() {
  const t = useT();
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      await api.post('/v1/auth/password/forgot', { email });
      setSent(true);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setPending(false);
    }
  }
  return (
    <AuthLayout title={t('auth.forgotTitle')}>
      {sent ? (
        <p role="status" className="text-sm">
          {t('auth.linkSent')}
        </p>
      ) : (
        <form onSubmit={submit} className="space-y-4">
          <p className="text-sm text-slate-600 dark:text-slate-400">{t('auth.forgotHelp')}</p>
          <TextInput label={t('auth.email')} type="email" required value={email} error={error?.message} onChange={(e) => setEmail(e.target.value)} />
          <Button type="submit" variant="primary" pending={pending} className="w-full">
            {t('auth.sendLink')}
          </Button>
        </form>
      )}
      <SignInLink>{t('auth.backToSignIn')}</SignInLink>
    </AuthLayout>
  );
}
