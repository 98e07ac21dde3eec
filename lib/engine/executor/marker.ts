/**
 * Finds an end marker in a byte stream split into arbitrary chunks, passing
 * every byte before it on untouched. Bytes that might be the start of the
 * marker are held back (at most marker length - 1) until the next chunk says.
 */
export class MarkerScanner {
  private held: Buffer | null = null;
  private found = false;

  constructor(private readonly marker: Buffer) {
    if (marker.length < 2) throw new Error('marker too short');
  }

  get markerFound(): boolean {
    return this.found;
  }

  /**
   * Scans `chunk`; `emit` gets the bytes before the marker. Returns the bytes
   * after the marker once it is found (possibly empty), else undefined.
   */
  push(chunk: Buffer, emit: (bytes: Buffer) => void): Buffer | undefined {
    if (this.found) throw new Error('MarkerScanner: marker already found');
    const marker = this.marker;
    const data = chunk;
    if (this.held) {
      // the only place a marker can straddle: held bytes plus the head of this chunk
      const held = this.held;
      this.held = null;
      const joined = Buffer.concat([held, chunk.subarray(0, marker.length - 1)]);
      const at = joined.indexOf(marker);
      if (at >= 0) {
        // a marker found here starts in the held bytes
        if (at > 0) emit(held.subarray(0, at));
        this.found = true;
        return chunk.subarray(at + marker.length - held.length);
      }
      if (chunk.length < marker.length - 1) {
        // joined is everything so far: its tail may still start the marker
        const keep = this.partialStart(joined, 0);
        if (keep > 0) emit(joined.subarray(0, keep));
        if (keep < joined.length) this.held = joined.subarray(keep);
        return undefined;
      }
      emit(held);
    }
    const at = data.indexOf(marker);
    if (at >= 0) {
      if (at > 0) emit(data.subarray(0, at));
      this.found = true;
      return data.subarray(at + marker.length);
    }
    const keep = this.partialStart(data, 0);
    if (keep > 0) emit(keep === data.length ? data : data.subarray(0, keep));
    // copied so a few bytes do not pin a whole chunk
    if (keep < data.length) this.held = Buffer.from(data.subarray(keep));
    return undefined;
  }

  /** The bytes held back, when the stream ends without the marker. */
  flush(): Buffer | null {
    const held = this.held;
    this.held = null;
    return held;
  }

  /**
   * Where the earliest suffix of `bytes` (starting at or after `from`) that is
   * a proper prefix of the marker begins; bytes.length when there is none.
   */
  private partialStart(bytes: Buffer, from: number): number {
    const marker = this.marker;
    const first = marker[0]!;
    let at = Math.max(from, bytes.length - (marker.length - 1));
    for (;;) {
      at = bytes.indexOf(first, at);
      if (at < 0) return bytes.length;
      const tail = bytes.length - at;
      if (bytes.compare(marker, 0, tail, at, bytes.length) === 0) return at;
      at++;
    }
  }
}
