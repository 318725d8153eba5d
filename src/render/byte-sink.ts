/**
 * A growing UTF-8 buffer for big outputs built piece by piece (`check --format json` on thousands
 * of files): each piece is encoded at once, so the pieces die young instead of being kept (and
 * copied by every garbage collection) until one huge string is joined and encoded again for stdout.
 */
export class ByteSink {
  private buf = Buffer.allocUnsafe(1 << 16);
  private length = 0;

  append(text: string): void {
    const most = text.length * 3; // UTF-16 unit -> at most 3 UTF-8 bytes
    if (this.length + most > this.buf.length) this.grow(this.length + most);
    this.length += this.buf.write(text, this.length, "utf8");
  }

  /** What was appended, as bytes (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private grow(atLeast: number): void {
    const next = Buffer.allocUnsafe(Math.max(atLeast, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}
