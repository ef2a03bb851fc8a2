import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

const input = 'block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-700';

/** A label, a control and its inline error (aria-invalid + aria-describedby), the form pattern of every page. */
export function Field({ label, error, hint, children }: { label: string; error?: string | undefined; hint?: ReactNode; children: (props: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string; className: string }) => ReactNode }) {
  const id = useId();
  const errId = `${id}-err`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700 dark:text-slate-300">
        {label}
      </label>
      {children({ id, className: `${input} ${error ? 'ring-red-500 dark:ring-red-500' : ''}`, ...(error ? { 'aria-invalid': true, 'aria-describedby': errId } : {}) })}
      {hint && !error && <p className="text-xs text-slate-500 dark:text-slate-400">{hint}</p>}
      {error && (
        <p id={errId} role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}

export function TextInput({ label, error, hint, ...rest }: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string | undefined; hint?: ReactNode }) {
  return <Field label={label} error={error} hint={hint}>{(p) => <input {...p} {...rest} />}</Field>;
}

export function TextArea({ label, error, hint, ...rest }: TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; error?: string | undefined; hint?: ReactNode }) {
  return <Field label={label} error={error} hint={hint}>{(p) => <textarea {...p} {...rest} />}</Field>;
}

export function Select({ label, error, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: string | undefined }) {
  return (
    <Field label={label} error={error}>
      {(p) => (
        <select {...p} {...rest}>
          {children}
        </select>
      )}
    </Field>
  );
}

export const inputClass = input;
