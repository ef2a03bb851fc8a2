import { SEVERITY_RANK } from '../audit/catalog.ts';
import type { SiemEvent, SinkFilter } from './siem.types.ts';

/** Compiles a kind glob (`call.*`, `*.denied`, `approval.*`) to a RegExp; only `*` is special. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** A sink's filter as one predicate. Pure. */
export function compileFilter(f: SinkFilter | undefined): (e: Pick<SiemEvent, 'kind' | 'severity'>) => boolean {
  const kinds = f?.kinds?.length ? f.kinds.map(globToRegExp) : undefined;
  const min = f?.minSeverity ? SEVERITY_RANK[f.minSeverity] : 0;
  return (e) => (!kinds || kinds.some((k) => k.test(e.kind))) && SEVERITY_RANK[e.severity] >= min;
}
