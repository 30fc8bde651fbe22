// The bank's live records by id. Ids are 16 hex digits (the start of the dedup key), so each is kept
// as two 32-bit halves in an open-addressing table of typed arrays: a million ids take 24 MB and
// no string, where a Map of strings took about 50 bytes per id and most of a large bank's opening
// (6 s of 8.7 s at 7M proofs). An id of any other form (none is written, but a log is read as it
// is) goes into a plain Map beside it.

const HEX_ID = /^[0-9a-f]{16}$/;
const EMPTY = 0;
/** A removed entry: probing goes on past it; an insertion may take it. */
const GONE = 0xffffffff;

export class IdIndex {
  /** Per slot: high half, low half, row + 1 (0 empty, GONE removed). */
  private slots: Uint32Array;
  private capacity: number;
  private used = 0; // live and removed slots
  private live = 0;
  private readonly others = new Map<string, number>();

  constructor(expected = 1024) {
    this.capacity = IdIndex.capacityFor(expected);
    this.slots = new Uint32Array(this.capacity * 3);
  }

  private static capacityFor(entries: number): number {
    let c = 1024;
    while (c < entries * 2) c *= 2;
    return c;
  }

  get size(): number {
    return this.live + this.others.size;
  }

  /** The two halves of a hex id, or undefined for an id of another form. */
  static halves(id: string): [number, number] | undefined {
    return HEX_ID.test(id) ? [parseInt(id.slice(0, 8), 16), parseInt(id.slice(8), 16)] : undefined;
  }

  static fromHalves(hi: number, lo: number): string {
    return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
  }

  /** Slot of the id, or of where it would go (-1 never: the table always has room). */
  private find(hi: number, lo: number): { slot: number; found: boolean } {
    const mask = this.capacity - 1;
    let slot = (Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b) >>> 0) & mask;
    let reusable = -1;
    for (;;) {
      const at = slot * 3;
      const row = this.slots[at + 2]!;
      if (row === EMPTY) return { slot: reusable >= 0 ? reusable : slot, found: false };
      if (row === GONE) {
        if (reusable < 0) reusable = slot;
      } else if (this.slots[at] === hi && this.slots[at + 1] === lo) return { slot, found: true };
      slot = (slot + 1) & mask;
    }
  }

  get(id: string): number | undefined {
    const h = IdIndex.halves(id);
    if (!h) return this.others.get(id);
    return this.getHalves(h[0], h[1]);
  }

  getHalves(hi: number, lo: number): number | undefined {
    const { slot, found } = this.find(hi, lo);
    return found ? this.slots[slot * 3 + 2]! - 1 : undefined;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  set(id: string, row: number): void {
    const h = IdIndex.halves(id);
    if (!h) this.others.set(id, row);
    else this.setHalves(h[0], h[1], row);
  }

  setHalves(hi: number, lo: number, row: number): void {
    if (row + 1 >= GONE) throw new Error('IdIndex: row out of range');
    const { slot, found } = this.find(hi, lo);
    const at = slot * 3;
    if (!found) {
      if (this.slots[at + 2] === EMPTY) this.used++;
      this.live++;
      this.slots[at] = hi;
      this.slots[at + 1] = lo;
    }
    this.slots[at + 2] = row + 1;
    if (this.used * 4 > this.capacity * 3) this.grow();
  }

  delete(id: string): boolean {
    const h = IdIndex.halves(id);
    if (!h) return this.others.delete(id);
    const { slot, found } = this.find(h[0], h[1]);
    if (!found) return false;
    this.slots[slot * 3 + 2] = GONE;
    this.live--;
    return true;
  }

  /** Every hex id's halves and row, in no particular order; false when some id is of another form. */
  forEachHalves(visit: (hi: number, lo: number, row: number) => void): boolean {
    for (let slot = 0; slot < this.capacity; slot++) {
      const row = this.slots[slot * 3 + 2]!;
      if (row !== EMPTY && row !== GONE) visit(this.slots[slot * 3]!, this.slots[slot * 3 + 1]!, row - 1);
    }
    return this.others.size === 0;
  }

  /** Every (id, row), in no particular order. */
  *entries(): Generator<[string, number]> {
    for (let slot = 0; slot < this.capacity; slot++) {
      const row = this.slots[slot * 3 + 2]!;
      if (row !== EMPTY && row !== GONE) yield [IdIndex.fromHalves(this.slots[slot * 3]!, this.slots[slot * 3 + 1]!), row - 1];
    }
    yield* this.others;
  }

  private grow(): void {
    const old = this.slots;
    const oldCapacity = this.capacity;
    this.capacity = IdIndex.capacityFor(this.live * 2);
    this.slots = new Uint32Array(this.capacity * 3);
    this.used = 0;
    this.live = 0;
    for (let slot = 0; slot < oldCapacity; slot++) {
      const row = old[slot * 3 + 2]!;
      if (row !== EMPTY && row !== GONE) this.setHalves(old[slot * 3]!, old[slot * 3 + 1]!, row - 1);
    }
  }
}
