/**
 * Reads a BPF ring buffer straight from its mmapped pages: no libbpf
 * callback, no FFI call per event. The kernel maps the data pages twice in a
 * row, so every record is contiguous. Protocol (kernel/bpf/ringbuf.c):
 * consumer page (rw, our position), producer page (ro, kernel position),
 * then the data; each record has an 8-byte header `u32 len | BUSY | DISCARD,
 * u32 pg_off`, and records are 8-byte aligned.
 *
 * @module
 */

import { BpfError, errnoText, lastErrno, type Libc, openLibc } from "./libbpf_ffi.ts";

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 1;
/*
 * Edge-triggered: the ring's poll is level-triggered on "data available", so a
 * level-triggered wait would return at once whenever an event is pending and
 * the collector would spin; edge-triggered, only the kernel program's forced
 * wakeups (and wake()) end a wait.
 */
const EPOLLET = 0x80000000;
const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HDR = 8;

function mapFailed(p: Deno.PointerValue): p is null {
  if (p === null) return true;
  const v = BigInt(Deno.UnsafePointer.value(p));
  return v === 0xffffffffffffffffn || v === -1n;
}

/** Called per record: the record is u8[off, off + len). Return false to stop (no room). */
export type RecordFn = (u8: Uint8Array, dv: DataView, off: number, len: number) => boolean;

export class RingReader {
  readonly size: number;
  #libc: Libc;
  #page: number;
  #cons: Deno.PointerObject;
  #prod: Deno.PointerObject;
  #cons64: BigUint64Array;
  #prod64: BigUint64Array;
  #hdr32: Uint32Array;
  #u8: Uint8Array;
  #dv: DataView;
  #epfd: number;
  #efd: number;
  #events = new Uint8Array(12 * 4);
  #one = new Uint8Array(new BigUint64Array([1n]).buffer);
  #scratch8 = new Uint8Array(8);
  /** our consumer position (bytes ever consumed) */
  #pos: number;

  constructor(mapFd: number, size: number) {
    const libc = openLibc();
    this.#libc = libc;
    this.size = size;
    this.#page = libc.getpagesize();
    const cons = libc.mmap(null, BigInt(this.#page), PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0n);
    if (mapFailed(cons)) {
      throw new BpfError(`Cannot mmap the ring consumer page: ${errnoText(lastErrno())}`);
    }
    const prodLen = this.#page + 2 * size;
    const prod = libc.mmap(null, BigInt(prodLen), PROT_READ, MAP_SHARED, mapFd, BigInt(this.#page));
    if (mapFailed(prod)) {
      libc.munmap(cons, BigInt(this.#page));
      throw new BpfError(`Cannot mmap the ring data pages: ${errnoText(lastErrno())}`);
    }
    this.#cons = cons;
    this.#prod = prod;
    this.#cons64 = new BigUint64Array(Deno.UnsafePointerView.getArrayBuffer(cons, 8));
    const pbuf = Deno.UnsafePointerView.getArrayBuffer(prod, prodLen);
    this.#prod64 = new BigUint64Array(pbuf, 0, 1);
    this.#hdr32 = new Uint32Array(pbuf);
    this.#u8 = new Uint8Array(pbuf);
    this.#dv = new DataView(pbuf);
    this.#pos = Number(Atomics.load(this.#cons64, 0));

    this.#epfd = libc.epoll_create1(0o2000000 /* EPOLL_CLOEXEC */);
    if (this.#epfd < 0) throw new BpfError(`Cannot create an epoll fd: ${errnoText(lastErrno())}`);
    const ev = new DataView(new ArrayBuffer(12));
    ev.setUint32(0, (EPOLLIN | EPOLLET) >>> 0, true);
    if (libc.epoll_ctl(this.#epfd, EPOLL_CTL_ADD, mapFd, new Uint8Array(ev.buffer)) !== 0) {
      throw new BpfError(`Cannot watch the ring buffer: ${errnoText(lastErrno())}`);
    }
    // an eventfd in the same epoll set: wake() ends a wait early (signals)
    this.#efd = libc.eventfd(0, 0o2000000 | 0o4000 /* EFD_CLOEXEC | EFD_NONBLOCK */);
    if (this.#efd < 0) throw new BpfError(`Cannot create an eventfd: ${errnoText(lastErrno())}`);
    if (libc.epoll_ctl(this.#epfd, EPOLL_CTL_ADD, this.#efd, new Uint8Array(ev.buffer)) !== 0) {
      throw new BpfError(`Cannot watch the eventfd: ${errnoText(lastErrno())}`);
    }
  }

  /** Ends the current (or next) wait() at once. Safe from a signal listener. */
  wake(): void {
    this.#libc.write(this.#efd, this.#one, 8n);
  }

  /** Bytes waiting in the ring. */
  pending(): number {
    return Number(Atomics.load(this.#prod64, 0)) - this.#pos;
  }

  /**
   * Waits up to `timeoutMs` for a wakeup (the kernel program wakes us only
   * when the ring fills up); resolves early on one.
   */
  async wait(timeoutMs: number): Promise<void> {
    await this.#libc.epoll_wait(this.#epfd, this.#events, 4, timeoutMs);
    this.#libc.read(this.#efd, this.#scratch8, 8n); // reset a wake() (EAGAIN when none)
  }

  /**
   * Hands every committed record to `fn`, in order, and releases their space
   * to the kernel. Stops early when `fn` returns false. Returns the records read.
   */
  drain(fn: RecordFn): number {
    const prod = Number(Atomics.load(this.#prod64, 0));
    const mask = this.size - 1;
    const base = this.#page; // data starts after the producer page
    let pos = this.#pos;
    let n = 0;
    while (pos < prod) {
      const at = base + (pos & mask);
      // a plain load: x86-64 and arm64 order it before the loads of the record
      // that depend on it (Atomics.load on a non-shared buffer is a slow path)
      const hdr = this.#hdr32[at >>> 2];
      if (hdr & BUSY) break; // being written: stop, read it next time
      const len = hdr & 0x3fffffff;
      if ((hdr & DISCARD) === 0) {
        if (!fn(this.#u8, this.#dv, at + HDR, len)) break;
        n++;
      }
      pos += (len + HDR + 7) & ~7;
    }
    if (pos !== this.#pos) {
      this.#pos = pos;
      // release the space (a single 64-bit store, as the kernel expects)
      Atomics.store(this.#cons64, 0, BigInt(pos));
    }
    return n;
  }

  close(): void {
    this.#libc.close(this.#epfd);
    this.#libc.close(this.#efd);
    this.#libc.munmap(this.#cons, BigInt(this.#page));
    this.#libc.munmap(this.#prod, BigInt(this.#page + 2 * this.size));
  }
}
