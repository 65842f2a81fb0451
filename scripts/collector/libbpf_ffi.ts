/**
 * The libbpf symbols the collector uses, for `Deno.dlopen`. Each parameter is
 * commented with its C prototype (libbpf 1.x: NULL + errno on failure).
 *
 * @module
 */

export const libbpfSymbols = {
  bpf_object__open_file: {
    parameters: [
      "buffer", // const char *path
      "pointer", // const struct bpf_object_open_opts *opts
    ],
    result: "pointer", // struct bpf_object *
  },
  bpf_object__load: {
    parameters: ["pointer"], // struct bpf_object *obj
    result: "i32",
  },
  bpf_object__close: {
    parameters: ["pointer"], // struct bpf_object *obj
    result: "void",
  },
  bpf_object__find_map_by_name: {
    parameters: [
      "pointer", // const struct bpf_object *obj
      "buffer", // const char *name
    ],
    result: "pointer", // struct bpf_map *
  },
  bpf_object__next_map: {
    parameters: [
      "pointer", // const struct bpf_object *obj
      "pointer", // const struct bpf_map *map (NULL: the first)
    ],
    result: "pointer", // struct bpf_map *
  },
  bpf_object__next_program: {
    parameters: [
      "pointer", // const struct bpf_object *obj
      "pointer", // struct bpf_program *prog (NULL: the first)
    ],
    result: "pointer", // struct bpf_program *
  },
  bpf_map__name: {
    parameters: ["pointer"], // const struct bpf_map *map
    result: "pointer", // const char *
  },
  bpf_map__set_max_entries: {
    parameters: [
      "pointer", // struct bpf_map *map
      "u32", // __u32 max_entries
    ],
    result: "i32",
  },
  bpf_map__initial_value: {
    parameters: [
      "pointer", // struct bpf_map *map
      "buffer", // size_t *psize
    ],
    result: "pointer", // void *
  },
  bpf_map__value_size: {
    parameters: ["pointer"], // const struct bpf_map *map
    result: "u32",
  },
  bpf_map__fd: {
    parameters: ["pointer"], // const struct bpf_map *map
    result: "i32",
  },
  bpf_program__name: {
    parameters: ["pointer"], // const struct bpf_program *prog
    result: "pointer", // const char *
  },
  bpf_program__fd: {
    parameters: ["pointer"], // const struct bpf_program *prog
    result: "i32",
  },
  bpf_program__attach: {
    parameters: ["pointer"], // const struct bpf_program *prog
    result: "pointer", // struct bpf_link *
  },
  bpf_link__destroy: {
    parameters: ["pointer"], // struct bpf_link *link
    result: "i32",
  },
  bpf_map_lookup_elem: {
    parameters: [
      "i32", // int fd
      "buffer", // const void *key
      "buffer", // void *value
    ],
    result: "i32",
  },
  libbpf_num_possible_cpus: {
    parameters: [], // void
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

export const libcSymbols = {
  mmap: {
    parameters: [
      "pointer", // void *addr
      "usize", // size_t length
      "i32", // int prot
      "i32", // int flags
      "i32", // int fd
      "i64", // off_t offset
    ],
    result: "pointer", // void *
  },
  munmap: {
    parameters: [
      "pointer", // void *addr
      "usize", // size_t length
    ],
    result: "i32",
  },
  epoll_create1: {
    parameters: ["i32"], // int flags
    result: "i32",
  },
  epoll_ctl: {
    parameters: [
      "i32", // int epfd
      "i32", // int op
      "i32", // int fd
      "buffer", // struct epoll_event *event
    ],
    result: "i32",
  },
  epoll_wait: {
    parameters: [
      "i32", // int epfd
      "buffer", // struct epoll_event *events
      "i32", // int maxevents
      "i32", // int timeout (ms)
    ],
    result: "i32",
    nonblocking: true, // waits on a worker thread; the event loop stays free
  },
  close: {
    parameters: ["i32"], // int fd
    result: "i32",
  },
  eventfd: {
    parameters: [
      "u32", // unsigned int initval
      "i32", // int flags
    ],
    result: "i32",
  },
  read: {
    parameters: [
      "i32", // int fd
      "buffer", // void *buf
      "usize", // size_t count
    ],
    result: "isize",
  },
  write: {
    parameters: [
      "i32", // int fd
      "buffer", // const void *buf
      "usize", // size_t count
    ],
    result: "isize",
  },
  clock_gettime: {
    parameters: [
      "i32", // clockid_t clockid
      "buffer", // struct timespec *tp
    ],
    result: "i32",
  },
  statvfs: {
    parameters: [
      "buffer", // const char *path
      "buffer", // struct statvfs *buf
    ],
    result: "i32",
  },
  mount: {
    parameters: [
      "buffer", // const char *source
      "buffer", // const char *target
      "buffer", // const char *filesystemtype
      "u64", // unsigned long mountflags
      "pointer", // const void *data
    ],
    result: "i32",
  },
  __errno_location: {
    parameters: [], // void
    result: "pointer", // int *
  },
  strerror: {
    parameters: ["i32"], // int errnum
    result: "pointer", // char *
  },
  malloc_trim: {
    parameters: ["usize"], // size_t pad
    result: "i32",
  },
  getpagesize: {
    parameters: [], // void
    result: "i32",
  },
  open: {
    parameters: [
      "buffer", // const char *path
      "i32", // int flags
      "u32", // mode_t mode (variadic in C: read only with O_CREAT)
    ],
    result: "i32",
  },
  openat: {
    parameters: [
      "i32", // int dirfd
      "buffer", // const char *path
      "i32", // int flags
      "u32", // mode_t mode (variadic in C: read only with O_CREAT)
    ],
    result: "i32",
  },
  statx: {
    parameters: [
      "i32", // int dirfd
      "buffer", // const char *path ("" with AT_EMPTY_PATH: dirfd itself)
      "i32", // int flags
      "u32", // unsigned int mask
      "buffer", // struct statx *buf (256 bytes)
    ],
    result: "i32",
  },
  fstatvfs: {
    parameters: [
      "i32", // int fd
      "buffer", // struct statvfs *buf
    ],
    result: "i32",
  },
  fchmod: {
    parameters: [
      "i32", // int fd
      "u32", // mode_t mode
    ],
    result: "i32",
  },
  fchown: {
    parameters: [
      "i32", // int fd
      "u32", // uid_t owner
      "u32", // gid_t group
    ],
    result: "i32",
  },
  pread: {
    parameters: [
      "i32", // int fd
      "buffer", // void *buf
      "usize", // size_t count
      "i64", // off_t offset
    ],
    result: "isize",
  },
  pwrite: {
    parameters: [
      "i32", // int fd
      "buffer", // const void *buf
      "usize", // size_t count
      "i64", // off_t offset
    ],
    result: "isize",
  },
  ftruncate: {
    parameters: [
      "i32", // int fd
      "i64", // off_t length
    ],
    result: "i32",
  },
  flock: {
    parameters: [
      "i32", // int fd
      "i32", // int operation
    ],
    result: "i32",
  },
  fsync: {
    parameters: ["i32"], // int fd
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The default libbpf soname; `LIBBPF_PATH` or the `libbpfPath` option override it. */
export const DEFAULT_LIBBPF = "libbpf.so.1";
/** The C library; `LIBC_PATH` overrides it. */
export const DEFAULT_LIBC = "libc.so.6";

export type Libbpf = Deno.DynamicLibrary<typeof libbpfSymbols>["symbols"];
export type Libc = Deno.DynamicLibrary<typeof libcSymbols>["symbols"];

/** Thrown when a native library cannot be opened or a libbpf call fails. */
export class BpfError extends Error {
  override name = "BpfError";
  /** errno of the failed call, when there was one */
  errno?: number;
  constructor(message: string, options?: { cause?: unknown; errno?: number }) {
    super(message, { cause: options?.cause });
    this.errno = options?.errno;
  }
}

let libc: Deno.DynamicLibrary<typeof libcSymbols> | undefined;
let libbpf: Deno.DynamicLibrary<typeof libbpfSymbols> | undefined;

/** Opens the C library once. */
export function openLibc(path = Deno.env.get("LIBC_PATH") ?? DEFAULT_LIBC): Libc {
  if (!libc) {
    try {
      libc = Deno.dlopen(path, libcSymbols);
    } catch (cause) {
      throw new BpfError(`Cannot open the C library "${path}": ${(cause as Error).message}`, {
        cause,
      });
    }
  }
  return libc.symbols;
}

/** Opens libbpf once (path: option, then `LIBBPF_PATH`, then `libbpf.so.1`). */
export function openLibbpf(path?: string): Libbpf {
  if (!libbpf) {
    const p = path ?? Deno.env.get("LIBBPF_PATH") ?? DEFAULT_LIBBPF;
    try {
      libbpf = Deno.dlopen(p, libbpfSymbols);
    } catch (cause) {
      throw new BpfError(
        `Cannot open libbpf "${p}": ${
          (cause as Error).message
        } (install libbpf1 or set LIBBPF_PATH)`,
        { cause },
      );
    }
  }
  return libbpf.symbols;
}

/** errno of the last failed libc/libbpf call on this thread. */
export function lastErrno(): number {
  const p = openLibc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** strerror(errno). */
export function errnoText(errno: number): string {
  const p = openLibc().strerror(errno);
  return p === null ? `errno ${errno}` : Deno.UnsafePointerView.getCString(p);
}

/** A NUL-terminated C string in a buffer. */
export function cstr(s: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
