/**
 * Short lists of strings that repeat from thing to thing (issue 20: per-device memory): the
 * property names a thing has values of, the Home Assistant components of its affordances. Things
 * of one model have the same lists, so a thing keeps a reference to one shared, frozen list
 * instead of a Map or a Set of its own (~200 bytes each at 10,000 devices, docs/fleet.md). Up to
 * `maxLists` distinct lists are shared (the oldest goes first; a list that fell out is copied
 * again, equal), so things with lists all different cannot grow the table.
 */
export class SharedLists {
  private readonly lists = new Map<string, readonly string[]>();

  constructor(private readonly maxLists = 256) {}

  /** Distinct lists held (at most maxLists). */
  get size(): number {
    return this.lists.size;
  }

  /** The shared list equal to `items` (same strings, same order). */
  share(items: readonly string[]): readonly string[] {
    const key = items.join('\u0000');
    const kept = this.lists.get(key);
    if (kept !== undefined && kept.length === items.length && kept.every((s, i) => s === items[i])) return kept;
    const list = Object.freeze([...items]);
    // A key two different lists join to (a name with a NUL in it) keeps the first; the other is not shared.
    if (kept !== undefined) return list;
    if (this.lists.size >= this.maxLists) this.lists.delete(this.lists.keys().next().value as string);
    this.lists.set(key, list);
    return list;
  }

  /** `list` with `item` added at the end (shared); the list itself when it has it already. */
  with(list: readonly string[] | undefined, item: string): readonly string[] {
    if (list === undefined) return this.share([item]);
    return list.includes(item) ? list : this.share([...list, item]);
  }
}
