export function consoleIsStale(): boolean;
export function buildConsole(opts?: { ifNeeded?: boolean; quiet?: boolean }): { built: boolean; reason?: string };
