import type { ReactNode } from 'react';
import { Preferences } from '../shell.tsx';
import { Link } from '../lib/router.tsx';

/** The bare layout of the signed-out pages. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="flex min-h-full flex-col items-center justify-center px-4 py-10">
      <div className="w-full max-w-sm space-y-6">
        <div className="text-center">
          <p className="text-2xl font-bold tracking-tight text-indigo-600 dark:text-indigo-400">FlowLink</p>
          <h1 className="mt-2 text-lg font-semibold">{title}</h1>
        </div>
        <div className="rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800">{children}</div>
        <div className="flex justify-center">
          <Preferences compact />
        </div>
      </div>
    </div>
  );
}

/** The link back to the sign-in page under a signed-out form. */
export function SignInLink({ children }: { children: ReactNode }) {
  return (
    <p className="mt-6 text-center text-sm">
      <Link to="/sign-in" className="text-indigo-600 hover:underline dark:text-indigo-400">
        {children}
      </Link>
    </p>
  );
}
