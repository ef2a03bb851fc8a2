/**
 * Environment detection: a context, namespace, profile, workspace, host or server label
 * that says prod/production makes rules stricter; dev/test/staging makes some lighter.
 * Names are split into tokens so `product-api` is not `prod`.
 */
export interface EnvWords {
  prod: string[];
  nonprod: string[];
}

export const DEFAULT_ENV_WORDS: EnvWords = {
  prod: ['prod', 'production', 'prd', 'live'],
  nonprod: ['dev', 'develop', 'development', 'test', 'testing', 'staging', 'stage', 'stg', 'qa', 'sandbox', 'local', 'localhost', 'minikube', 'kind', 'preview', 'ci', 'uat', 'demo', 'scratch', 'tmp', 'temp', 'playground'],
};

export function createEnvDetector(words: EnvWords = DEFAULT_ENV_WORDS): (values: string[]) => 'prod' | 'nonprod' | 'unknown' {
  const prod = new Set(words.prod.map((w) => w.toLowerCase()));
  const nonprod = new Set(words.nonprod.map((w) => w.toLowerCase()));
  return (values) => {
    let sawNonprod = false;
    for (const v of values) {
      if (!v || v.length > 300) continue;
      for (const t of v.toLowerCase().split(/[^a-z0-9]+/)) {
        if (!t) continue;
        const base = t.replace(/\d+$/, '');
        if (prod.has(t) || prod.has(base)) return 'prod';
        if (nonprod.has(t) || nonprod.has(base)) sawNonprod = true;
      }
    }
    return sawNonprod ? 'nonprod' : 'unknown';
  };
}
