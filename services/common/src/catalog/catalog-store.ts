import type { CatalogKind, CatalogObjects, CatalogView } from '@meterstream/domain';

type AnyObject = CatalogObjects[CatalogKind];

/** The in-memory catalog: latest version of each object by kind and id. No I/O. */
export class CatalogStore implements CatalogView {
  private readonly objects = new Map<CatalogKind, Map<string, AnyObject>>();
  private readonly listeners = new Map<CatalogKind, Set<(object: AnyObject) => void>>();

  get<K extends CatalogKind>(kind: K, id: string): CatalogObjects[K] | undefined {
    return this.objects.get(kind)?.get(id) as CatalogObjects[K] | undefined;
  }

  list<K extends CatalogKind>(kind: K): CatalogObjects[K][] {
    return [...(this.objects.get(kind)?.values() ?? [])] as CatalogObjects[K][];
  }

  onChange<K extends CatalogKind>(kind: K, listener: (object: CatalogObjects[K]) => void): () => void {
    const set = this.listeners.get(kind) ?? new Set();
    set.add(listener as (object: AnyObject) => void);
    this.listeners.set(kind, set);
    return () => set.delete(listener as (object: AnyObject) => void);
  }

  apply<K extends CatalogKind>(kind: K, id: string, object: CatalogObjects[K]): void {
    const byId = this.objects.get(kind) ?? new Map<string, AnyObject>();
    byId.set(id, object);
    this.objects.set(kind, byId);
    for (const listener of this.listeners.get(kind) ?? []) listener(object);
  }
}
