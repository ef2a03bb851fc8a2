import { useState } from 'react';
import { api, ApiError } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { navigate, useQueryParams } from '../lib/router.tsx';
import { useSession } from '../lib/session.tsx';
import { Button, Card, ErrorState, PageHeader } from '../ui/index.ts';

/** Opened from the mailed link (/invite#token=…, redirected here; sign-in keeps the fragment). */
export default function Invite() {
  const { t } = useI18n();
  const { refresh, setOrg } = useSession();
  const token = useQueryParams().get('token') ?? new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError>();
  async function accept() {
    setPending(true);
    setError(undefined);
    try {
      const r = await api.post<{ orgId: string }>('/v1/invites/accept', { token });
      await refresh();
      setOrg(r.orgId);
      navigate('/', { replace: true });
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setPending(false);
    }
  }
  return (
    <>
      <PageHeader title={t('invite.title')} />
      <Card>
        {!token ? (
          <p role="alert" className="text-sm text-red-600">
            {t('invite.noToken')}
          </p>
        ) : (
          <div className="space-y-3">
            <p className="text-sm">{t('invite.text')}</p>
            {error && <ErrorState error={error} />}
            <Button variant="primary" pending={pending} onClick={() => void accept()}>
              {t('invite.accept')}
            </Button>
          </div>
        )}
      </Card>
    </>
  );
}
