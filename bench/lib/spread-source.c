// LD_PRELOAD shim for wrk, the counterpart of spread-source.cjs: each TCP connection to
// 127.0.0.0/8 is bound first to a source address taken in turn from 127.0.0.1 … 127.0.0.N
// (N = $BENCH_SOURCE_ADDRESSES, default 64), so that ip-hash sees many clients with wrk too.
// Built by bench/lib/keep-alive-client.mjs with the system's cc; never part of corral.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  static connect_fn real_connect;
  static unsigned next, count;
  if (!real_connect) {
    real_connect = (connect_fn)dlsym(RTLD_NEXT, "connect");
    const char *n = getenv("BENCH_SOURCE_ADDRESSES");
    count = n && atoi(n) > 0 ? (unsigned)atoi(n) : 64;
  }
  const struct sockaddr_in *to = (const struct sockaddr_in *)addr;
  if (addr->sa_family == AF_INET && (ntohl(to->sin_addr.s_addr) >> 24) == 127) {
    struct sockaddr_in from = {.sin_family = AF_INET};
    from.sin_addr.s_addr = htonl(0x7f000001u + __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % count);
    bind(fd, (const struct sockaddr *)&from, sizeof from); // on failure the kernel picks, as without us
  }
  return real_connect(fd, addr, len);
}
