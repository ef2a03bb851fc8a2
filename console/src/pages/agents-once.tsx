import { useState } from 'react';
import { useT } from '../i18n/index.tsx';
import { Button, Dialog } from '../ui/index.ts';

/**
 * A token or key secret, shown exactly once right after it was issued. It lives only in
 * this dialog's props: closing the dialog drops it, and the server never shows it again.
 */
export function OnceSecret({ title, value, onClose }: { title: string; value: string; onClose(): void }) {
  const t = useT();
  const [copied, setCopied] = useState(false);
  return (
    <Dialog
      open
      onClose={onClose}
      title={title}
      footer={
        <>
          <Button
            onClick={async () => {
              await navigator.clipboard?.writeText(value).catch(() => {});
              setCopied(true);
            }}
          >
            {copied ? t('agents.copied') : t('agents.copy')}
          </Button>
          <Button variant="primary" onClick={onClose}>
            {t('agents.savedIt')}
          </Button>
        </>
      }
    >
      <p className="mb-2 text-amber-800 dark:text-amber-200">{t('agents.onceWarning')}</p>
      <code data-testid="once-secret" className="block select-all break-all rounded-md bg-slate-100 p-3 text-xs dark:bg-slate-950">
        {value}
      </code>
    </Dialog>
  );
}
