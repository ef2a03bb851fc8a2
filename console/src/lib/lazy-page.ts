import { lazy as reactLazy, type ComponentType, type LazyExoticComponent } from 'react';

export type PageComponent = LazyExoticComponent<ComponentType> & { preload(): Promise<unknown> };

/**
 * React.lazy with a `preload()`: the shell starts fetching the addressed page's chunk while
 * it is still asking who is signed in, instead of one after the other.
 */
export function lazy(load: () => Promise<{ default: ComponentType }>): PageComponent {
  let started: Promise<{ default: ComponentType }> | undefined;
  const once = () => (started ??= load());
  return Object.assign(reactLazy(once), { preload: once });
}
