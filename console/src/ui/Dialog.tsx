import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useT } from '../i18n/index.tsx';
import { Button } from './Button.tsx';

/** A modal on the native <dialog> element (focus trap and Escape for free). */
export function Dialog({ open, onClose, title, children, footer }: { open: boolean; onClose: () => void; title: string; children: ReactNode; footer?: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-label={title}
      className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/50 dark:bg-slate-900 dark:text-slate-100"
    >
      {open && (
        <div className="space-y-4 p-5">
          <h2 className="text-lg font-semibold">{title}</h2>
          <div className="text-sm">{children}</div>
          {footer && <div className="flex flex-wrap justify-end gap-2">{footer}</div>}
        </div>
      )}
    </dialog>
  );
}

/**
 * A button that asks before doing something destructive. `onConfirm` may return a promise;
 * the dialog stays open (with its error) if it fails.
 */
export function ConfirmButton({ label, title, message, confirmLabel, onConfirm, variant = 'danger', children, disabled }: { label: ReactNode; title: string; message: ReactNode; confirmLabel?: string; onConfirm: () => Promise<unknown> | unknown; variant?: 'danger' | 'primary' | 'secondary'; children?: ReactNode; disabled?: boolean }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <>
      <Button variant={variant === 'danger' ? 'secondary' : variant} onClick={() => (setError(undefined), setOpen(true))} disabled={disabled}>
        {label}
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={title}
        footer={
          <>
            <Button onClick={() => setOpen(false)}>{t('common.cancel')}</Button>
            <Button
              variant={variant}
              pending={pending}
              onClick={async () => {
                setPending(true);
                try {
                  await onConfirm();
                  setOpen(false);
                } catch (e) {
                  setError((e as Error).message);
                } finally {
                  setPending(false);
                }
              }}
            >
              {confirmLabel ?? t('common.confirm')}
            </Button>
          </>
        }
      >
        <div className="space-y-3">
          {message}
          {children}
          {error && (
            <p role="alert" className="text-red-600 dark:text-red-400">
              {error}
            </p>
          )}
        </div>
      </Dialog>
    </>
  );
}
