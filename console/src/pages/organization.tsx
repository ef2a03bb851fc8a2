import { useT } from '../i18n/index.tsx';
import { PageHeader, EmptyState } from '../ui/index.ts';

export default function Page() {
  const t = useT();
  return (
    <>
      <PageHeader title={t('organization.title')} />
      <EmptyState />
    </>
  );
}
