import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { useT } from '../i18n/index.tsx';
import { Link, navigate, useQueryParams } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { Button, ErrorState, TextInput } from '../ui/index.ts';
import { AuthLayout } from './auth-layout.tsx';

const PROVIDERS = [
  { id: 'github', label: 'auth.withGithub' },
  { id: 'yandex', label: 'auth.withYandex' },
  { id: 'vk', label: 'auth.withVk' },
];

/** Providers the API lists as configured (undefined until it answers); all three when it offers no listing. */
function useProviders(): string[] | undefined {
  const [ids, setIds] = useState<string[]>();
  useEffect(() => {
    api
      .get<{ providers: { id: string }[] }>('/v1/auth/providers', undefined, { quiet401: true })
      .then((r) => setIds(r.providers.map((p) => p.id)))
      // No listing (an older FlowLink): all three buttons.
      .catch(() => setIds(PROVIDERS.map((p) => p.id)));
  }, []);
  return ids;
}

export default function SignIn() {
  const t = useT();
  const { refresh } = useSession();
  const q = useQueryParams();
  const next = q.get('next');
  const providers = useProviders();
  // After a provider sign-in with 2FA on, the callback lands here with ?mfa=1: only the code is owed.
  const [step, setStep] = useState<'password' | 'totp'>(q.get('mfa') === '1' ? 'totp' : 'password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  const oauthError = q.get('error');

  async function done() {
    await refresh();
    navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      if (step === 'password') {
        const r = await api.post<{ mfaRequired: boolean }>('/v1/auth/sign-in', { email, password });
        if (r.mfaRequired) setStep('totp');
        else await done();
      } else {
        await api.post('/v1/auth/2fa', recovery ? { recoveryCode: code.trim() } : { code: code.replace(/\s+/g, '') });
        await done();
      }
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setPending(false);
    }
  }

  return (
    <AuthLayout title={step === 'password' ? t('auth.signInTitle') : t('auth.totpTitle')}>
      <form onSubmit={submit} className="space-y-4" data-testid={step === 'password' ? 'sign-in-form' : 'totp-form'} data-providers={providers?.join(',') ?? 'loading'}>
        {oauthError && step === 'password' && <ErrorState error={new ApiError(400, oauthError, t(`auth.oauth_${oauthError}`) === `auth.oauth_${oauthError}` ? oauthError : t(`auth.oauth_${oauthError}`))} />}
        {step === 'password' ? (
          <>
            <TextInput label={t('auth.email')} name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
            <TextInput label={t('auth.password')} name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </>
        ) : (
          <>
            <p className="text-sm text-slate-600 dark:text-slate-400">{t('auth.totpHelp')}</p>
            <TextInput
              label={recovery ? t('auth.recoveryCode') : t('auth.code')}
              name="code"
              autoFocus
              required
              autoComplete="one-time-code"
              inputMode={recovery ? 'text' : 'numeric'}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <button type="button" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400" onClick={() => (setRecovery(!recovery), setCode(''))}>
              {recovery ? t('auth.useTotp') : t('auth.useRecovery')}
            </button>
          </>
        )}
        {error && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {error.message}
          </p>
        )}
        <Button type="submit" variant="primary" pending={pending} className="w-full">
          {step === 'password' ? t('auth.signIn') : t('auth.verify')}
        </Button>
      </form>
      {step === 'password' && (
        <>
          {providers && providers.length > 0 && (
            <div className="mt-6 space-y-2">
              <p className="text-center text-xs uppercase text-slate-400">{t('auth.or')}</p>
              {PROVIDERS.filter((p) => providers.includes(p.id)).map((p) => (
                <a
                  key={p.id}
                  href={`/api/v1/auth/oauth/${p.id}/start`}
                  className="flex w-full items-center justify-center rounded-md px-3 py-2 text-sm font-medium ring-1 ring-inset ring-slate-300 hover:bg-slate-50 dark:ring-slate-700 dark:hover:bg-slate-800"
                >
                  {t(p.label)}
                </a>
              ))}
            </div>
          )}
          <div className="mt-6 space-y-1 text-center text-sm">
            <p>
              <Link to="/forgot" className="text-indigo-600 hover:underline dark:text-indigo-400">
                {t('auth.forgot')}
              </Link>
            </p>
            <p>
              <Link to="/sign-up" className="text-indigo-600 hover:underline dark:text-indigo-400">
                {t('auth.noAccount')}
              </Link>
            </p>
          </div>
        </>
      )}
    </AuthLayout>
  );
}
