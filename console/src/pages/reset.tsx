import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { useQueryParams } from '../lib/router.tsx';
import { Button, TextInput } from '../ui/index.ts';
import { AuthLayout, SignInLink } from './auth-layout.tsx';

/** Opened from the reset mail: /console/reset?token=… */
export default function Reset() {
  const t = useT();
  // The mailed link is /reset-password#token=… (FlowLink redirects it here; the fragment stays).
  const token = useQueryParams().get('token') ?? new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      await api.post('/v1/auth/password/reset', { token, password });
      setDone(true);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setPending(false);
    }
  }
  return (
    <AuthLayout title={t('auth.resetTitle')}>
      {!token ? (
        <p role="alert" className="text-sm text-red-600">
          {t('auth.resetNoToken')}
        </p>
      ) : done ? (
        <p role="status" className="text-sm">
          {t('auth.resetDone')}
        </p>
      ) : (
        <form onSubmit={submit} className="space-y-4">
          <TextInput label={t('auth.newPassword')} type="password" autoComplete="new-password" required value={password} error={error?.message} onChange={(e) => setPassword(e.target.value)} />
          <Button type="submit" variant="primary" pending={pending} className="w-full">
            {t('auth.setPassword')}
          </Button>
        </form>
      )}
      <SignInLink>{t('auth.backToSignIn')}</SignInLink>
    </AuthLayout>
  );
}
