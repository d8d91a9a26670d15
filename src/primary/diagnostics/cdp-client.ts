/**
 * A minimal Chrome DevTools Protocol client over a WebSocket, for talking to a
 * worker's inspector from the primary. Node 20 has no global WebSocket and the
 * `ws` package would be a runtime dependency for a few frames, so this speaks
 * just enough of RFC 6455 over node:http's upgrade: masked text frames out,
 * unmasked text frames in (fragments joined), ping answered, close honoured.
 *
 * Bounded: a frame or message over MAX_MESSAGE ends the connection, every
 * command has the caller's deadline, and nothing here can throw into the
 * primary's event loop (errors reject the pending commands).
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { Socket } from "node:net";

/** The largest message we take (a paused event with a deep stack is a few hundred KB). */
const MAX_MESSAGE = 16 * 1024 * 1024;

type Params = Record<string, unknown>;

export class CdpConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentsSize = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(result: Params): void; reject(error: Error): void }>();
  private readonly listeners = new Map<string, Array<(params: Params) => void>>();
  private closedError: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("the inspector closed the connection")));
  }

  /** Opens the WebSocket at `url` (ws://127.0.0.1:PORT/ID); rejects after `timeoutMs`. */
  static connect(url: string, timeoutMs: number): Promise<CdpConnection> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        agent: false,
        headers: {
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": randomBytes(16).toString("base64"),
        },
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no WebSocket upgrade within ${timeoutMs} ms`)));
      req.on("upgrade", (_res, socket, head) => {
        req.setTimeout(0);
        const connection = new CdpConnection(socket);
        if (head.length > 0) connection.onData(head);
        resolve(connection);
      });
      req.on("response", (res) => {
        res.resume();
        reject(new Error(`the inspector refused the WebSocket (HTTP ${res.statusCode})`));
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** Sends a command; resolves with its result, rejects with its error or when the connection ends. */
  send(method: string, params: Params = {}): Promise<Params> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    this.writeText(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Calls `listener` with the params of every `method` event. */
  on(method: string, listener: (params: Params) => void): void {
    const list = this.listeners.get(method) ?? [];
    list.push(listener);
    this.listeners.set(method, list);
  }

  close(): void {
    this.fail(new Error("closed"));
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const length = payload.length;
    const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const masked = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i & 3];
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private writeText(text: string): void {
    this.writeFrame(0x1, Buffer.from(text, "utf8"));
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = this.nextFrame();
      if (frame === null) return;
      this.onFrame(frame.fin, frame.opcode, frame.payload);
      if (this.closedError) return;
    }
  }

  /** The next complete frame in the buffer, or null until more bytes arrive. */
  private nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | null {
    const b = this.buffer;
    if (b.length < 2) return null;
    let length = b[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return null;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return null;
      const big = b.readBigUInt64BE(2);
      length = big > BigInt(MAX_MESSAGE) ? MAX_MESSAGE + 1 : Number(big);
      offset = 10;
    }
    if (length > MAX_MESSAGE) {
      this.fail(new Error(`inspector frame over ${MAX_MESSAGE} bytes`));
      return null;
    }
    const masked = (b[1] & 0x80) !== 0;
    const maskAt = offset;
    if (masked) offset += 4;
    if (b.length < offset + length) return null;
    let payload = b.subarray(offset, offset + length);
    if (masked) payload = Buffer.from(payload.map((byte, i) => byte ^ b[maskAt + (i & 3)]));
    this.buffer = b.subarray(offset + length);
    return { fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, payload };
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 0x8) return this.fail(new Error("the inspector closed the WebSocket"));
    if (opcode === 0x9) return this.writeFrame(0xa, payload);
    if (opcode !== 0x1 && opcode !== 0x0) return; // pong, binary: nothing for us
    this.fragments.push(payload);
    this.fragmentsSize += payload.length;
    if (this.fragmentsSize > MAX_MESSAGE) return this.fail(new Error(`inspector message over ${MAX_MESSAGE} bytes`));
    if (!fin) return;
    const text = Buffer.concat(this.fragments).toString("utf8");
    this.fragments = [];
    this.fragmentsSize = 0;
    this.onMessage(text);
  }

  private onMessage(text: string): void {
    let message: { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: { message?: unknown } };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (typeof message.id === "number") {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(String(message.error.message ?? "inspector error")));
      else waiter.resolve((message.result ?? {}) as Params);
      return;
    }
    if (typeof message.method !== "string") return;
    for (const listener of this.listeners.get(message.method) ?? []) listener((message.params ?? {}) as Params);
  }

  private fail(error: Error): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    this.listeners.clear();
    this.socket.destroy();
  }
}
