/**
 * Splits a worker's output into lines. Each chunk is scanned once, from where
 * the previous one ended: nothing is re-split, so a long line costs its length,
 * not its length squared (the old `partial + chunk` split did that, 45 s of the
 * primary's CPU for one 80 MB line). What is held between chunks never exceeds
 * `maxBytes`: a longer line is cut there, marked, and the rest of it, up to the
 * next newline, is skipped (progress bars and binary dumps stay bounded too).
 */

/** Longest line kept, in bytes; longer lines are cut (Docker's json-file splits at 16 KiB). */
export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

export function cutMarker(maxBytes: number): string {
  return ` [… cut by corral: line longer than ${maxBytes} bytes]`;
}

export class LineSplitter {
  /** The start of the line being received (copies, never views of a chunk the stream reuses). */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Inside a line that was already cut: drop bytes until its newline. */
  private skipping = false;
  private readonly marker: string;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {
    this.marker = cutMarker(maxBytes);
  }

  /** The lines `chunk` completes, in order (appended to `out`). */
  push(chunk: Buffer, out: string[] = []): string[] {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.take(chunk.subarray(start, newline), true, out);
      start = newline + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start), false, out);
    return out;
  }

  /** The stream ended: a last line without a newline is still a line. */
  end(out: string[] = []): string[] {
    if (this.heldBytes > 0 && !this.skipping) out.push(this.emit(Buffer.alloc(0), false));
    this.reset();
    this.skipping = false;
    return out;
  }

  private take(piece: Buffer, complete: boolean, out: string[]): void {
    if (this.skipping) {
      if (complete) this.skipping = false;
      return;
    }
    const room = this.maxBytes - this.heldBytes;
    if (piece.length > room) {
      out.push(this.emit(piece.subarray(0, charBoundary(piece, room)), true));
      this.skipping = !complete;
      return;
    }
    if (complete) out.push(this.emit(piece, false));
    else if (piece.length > 0) {
      this.held.push(Buffer.from(piece));
      this.heldBytes += piece.length;
    }
  }

  private emit(last: Buffer, cut: boolean): string {
    let bytes = last;
    if (this.held.length > 0) bytes = Buffer.concat([...this.held, last], this.heldBytes + last.length);
    this.reset();
    if (cut) return bytes.toString("utf8") + this.marker;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    return bytes.toString("utf8", 0, end);
  }

  private reset(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}

/** The largest index ≤ `at` that does not fall inside a UTF-8 sequence (continuation bytes are 10xxxxxx). */
function charBoundary(bytes: Buffer, at: number): number {
  let cut = at;
  while (cut > 0 && cut < bytes.length && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}
