/*
 * agentline_udp: UDP system calls for RTP without node:dgram's per-datagram costs (issue #4).
 *
 * node:dgram reads every datagram through its own libuv callback into a fresh ArrayBuffer and
 * a fresh rinfo object, and each send goes through a JavaScript request object: about 6 us a
 * received and 2 us a sent datagram of CPU on top of the system call, 50 of each a second per
 * call. Here the media clock reads every call's socket once per tick in one call into one
 * buffer (recvmmsg(2)), with the kernel's arrival time of each datagram (SO_TIMESTAMPNS), and
 * a send is one send(2). The sockets are non-blocking file descriptors that libuv never sees:
 * nothing here blocks or keeps the event loop alive.
 *
 * SIP's UDP socket (src/transport/native-udp-endpoint.ts) is read as datagrams arrive instead:
 * `watch` puts one libuv poll handle on its fd, whose readable events call JavaScript, which
 * reads whole datagrams (up to 64 KiB) with `recvLarge`, several per recvmmsg(2). That poll, and
 * only it, keeps the event loop alive, as a bound node:dgram socket does.
 *
 * Every function returns a negative errno on failure instead of throwing; the JavaScript side
 * (src/lib/native-udp.ts) turns those into errors with Node's codes.
 *
 * The media clock's sends may instead go through the pacer (pacer.c), a thread that sends each
 * tick's packets at the tick's due time.
 *
 * This file: the argument helpers, opening, connecting, sending and closing, and the module's
 * init; recv.c: the reads; watch.c: the readability watches; pacer.c: the pacer;
 * agentline_udp.h: what they share.
 */
#include "agentline_udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

napi_value int_result(napi_env env, int64_t value) {
  napi_value out;
  napi_create_int64(env, value, &out);
  return out;
}

/* Reads an argument as an int32. */
int arg_i32(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out) == napi_ok; }

/* The bytes of a TypedArray or Buffer argument. */
int arg_bytes(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  size_t count, offset;
  napi_value ab;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, &count, &p, &ab, &offset) != napi_ok) return 0;
  size_t size = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: size = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: size = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: size = 8; break;
    default: size = 1;
  }
  *data = p;
  *length = count * size;
  return 1;
}

/* Reads an op's only argument, a file descriptor; false when it is not an int32. */
int one_fd(napi_env env, napi_callback_info info, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return 0;
  return arg_i32(env, argv[0], fd);
}

/*
 * The interface of a scoped IPv6 address's `%zone` (RFC 4007 §11): a name (eth0) or an index;
 * 0 when there is none such.
 */
static uint32_t zone_index(const char *zone) {
  if (*zone == '\0') return 0;
  char *end;
  unsigned long n = strtoul(zone, &end, 10);
  if (*end == '\0') return n <= UINT32_MAX ? (uint32_t)n : 0;
  return if_nametoindex(zone);
}

/*
 * Parses a numeric address for a socket of the given family (an IPv4 peer of an IPv6 socket is
 * mapped; an IPv6 one may carry a zone).
 */
static int parse_address(napi_env env, napi_value v, int ipv6, int32_t port, struct sockaddr_storage *ss, socklen_t *len) {
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t n;
  if (napi_get_value_string_utf8(env, v, text, sizeof text, &n) != napi_ok || n >= sizeof text - 1) return 0;
  memset(ss, 0, sizeof *ss);
  if (ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    char *zone = strchr(text, '%');
    if (zone != NULL) {
      /* A link-local peer, as Node names it (fe80::1%eth0): the zone picks the interface. */
      *zone++ = '\0';
      a->sin6_scope_id = zone_index(zone);
      if (a->sin6_scope_id == 0) return 0;
    }
    if (inet_pton(AF_INET6, text, &a->sin6_addr) != 1) {
      if (zone != NULL) return 0;
      struct in_addr v4;
      if (inet_pton(AF_INET, text, &v4) != 1) return 0;
      a->sin6_addr.s6_addr[10] = 0xff;
      a->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
    }
    *len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, text, &a->sin_addr) != 1) return 0;
    *len = sizeof *a;
  }
  return 1;
}

/* open(ipv6, address, port, recvBufferSize) -> fd | -errno. Bound, non-blocking, kernel timestamps on. */
static napi_value op_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool ipv6;
  int32_t port, rcvbuf;
  CHECK(napi_get_value_bool(env, argv[0], &ipv6));
  if (!arg_i32(env, argv[2], &port) || !arg_i32(env, argv[3], &rcvbuf)) return int_result(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_address(env, argv[1], ipv6, port, &ss, &len)) return int_result(env, -EINVAL);
  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return int_result(env, -errno);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  /* Best effort, as node:dgram's setRecvBufferSize: the kernel may cap it. */
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
    int e = errno;
    close(fd);
    return int_result(env, -e);
  }
  return int_result(env, fd);
}

/* localPort(fd) -> port | -errno */
static napi_value op_local_port(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!one_fd(env, info, &fd)) return int_result(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return int_result(env, -errno);
  return int_result(env, ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port));
}

/* connect(fd, ipv6, address, port) -> 0 | -errno */
static napi_value op_connect(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, port;
  bool ipv6;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_bool(env, argv[1], &ipv6));
  if (!arg_i32(env, argv[0], &fd) || !arg_i32(env, argv[3], &port)) return int_result(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_address(env, argv[2], ipv6, port, &ss, &len)) return int_result(env, -EINVAL);
  return int_result(env, connect(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0);
}

/* disconnect(fd) -> 0 | -errno: connect(2) to AF_UNSPEC (UDP, Linux). */
static napi_value op_disconnect(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!one_fd(env, info, &fd)) return int_result(env, -EINVAL);
  struct sockaddr sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_family = AF_UNSPEC;
  return int_result(env, connect(fd, &sa, sizeof sa) < 0 ? -errno : 0);
}

/* send(fd, bytes, offset, length) -> bytes sent | -errno (the socket is connected). */
static napi_value op_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, offset, length;
  uint8_t *data;
  size_t size;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_i32(env, argv[0], &fd) || !arg_bytes(env, argv[1], &data, &size) || !arg_i32(env, argv[2], &offset) ||
      !arg_i32(env, argv[3], &length) || offset < 0 || length < 0 || (size_t)offset + (size_t)length > size)
    return int_result(env, -EINVAL);
  ssize_t n = send(fd, data + offset, (size_t)length, MSG_DONTWAIT | MSG_NOSIGNAL);
  return int_result(env, n < 0 ? -errno : n);
}

/* sendTo(fd, ipv6, bytes, offset, length, address, port) -> bytes sent | -errno */
static napi_value op_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  int32_t fd, offset, length, port;
  bool ipv6;
  uint8_t *data;
  size_t size;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_bool(env, argv[1], &ipv6));
  if (!arg_i32(env, argv[0], &fd) || !arg_bytes(env, argv[2], &data, &size) || !arg_i32(env, argv[3], &offset) ||
      !arg_i32(env, argv[4], &length) || !arg_i32(env, argv[6], &port) || offset < 0 || length < 0 ||
      (size_t)offset + (size_t)length > size)
    return int_result(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_address(env, argv[5], ipv6, port, &ss, &len)) return int_result(env, -EINVAL);
  ssize_t n = sendto(fd, data + offset, (size_t)length, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&ss, len);
  return int_result(env, n < 0 ? -errno : n);
}

/*
 * sockaddr(ipv6, address, port, out, offset) -> bytes written | -errno: the sockaddr of a numeric
 * address for a socket of that family (as sendTo parses it), into `out` at `offset` (28 bytes
 * free), for the pacer's entries (pacer.c).
 */
static napi_value op_sockaddr(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  bool ipv6;
  int32_t port, offset;
  uint8_t *data;
  size_t size;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_bool(env, argv[0], &ipv6));
  if (!arg_i32(env, argv[2], &port) || !arg_bytes(env, argv[3], &data, &size) || !arg_i32(env, argv[4], &offset) ||
      offset < 0 || (size_t)offset + sizeof(struct sockaddr_in6) > size)
    return int_result(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_address(env, argv[1], ipv6, port, &ss, &len)) return int_result(env, -EINVAL);
  memcpy(data + offset, &ss, len);
  return int_result(env, len);
}

/* close(fd) -> 0 | -errno */
static napi_value op_close(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!one_fd(env, info, &fd) || fd < 0) return int_result(env, -EINVAL);
  return int_result(env, close(fd) < 0 ? -errno : 0);
}

/*
 * formatAddress(family, a0, a1, a2, a3[, scope]) -> text (inet_ntop, as Node prints addresses: an
 * IPv6 address with a scope gets `%` and its interface's name, or its index when it has none).
 */
static napi_value op_format_address(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  int32_t family, words[4], scope = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5 || !arg_i32(env, argv[0], &family)) return int_result(env, -EINVAL);
  for (int k = 0; k < 4; k++)
    if (!arg_i32(env, argv[k + 1], &words[k])) return int_result(env, -EINVAL);
  if (argc > 5 && !arg_i32(env, argv[5], &scope)) return int_result(env, -EINVAL);
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, words, text, INET6_ADDRSTRLEN) == NULL) return int_result(env, -errno);
  if (family == 6 && scope != 0) {
    size_t used = strlen(text);
    char name[IF_NAMESIZE];
    if (if_indextoname((unsigned)scope, name) != NULL) snprintf(text + used, sizeof text - used, "%%%s", name);
    else snprintf(text + used, sizeof text - used, "%%%u", (unsigned)scope);
  }
  napi_value out;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  /*
   * formatAddress stays LAST. V8's CPU profiler names a native function by its entry point, and
   * every N-API function has the same one (N-API's own trampoline), so a profile labels them
   * all with the name registered last: with formatAddress last, time in any op shows as
   * `formatAddress` (read it as "the addon"). N-API offers no way to give each its own entry
   * point (that would take a V8 FunctionTemplate per op, outside N-API).
   */
  static const struct {
    const char *name;
    napi_callback fn;
  } ops[] = {
      {"open", op_open},           {"localPort", op_local_port}, {"connect", op_connect},       {"disconnect", op_disconnect},
      {"send", op_send},           {"sendTo", op_send_to},       {"sockaddr", op_sockaddr},     {"close", op_close},           {"recvBatch", op_recv_batch},
      {"recvLarge", op_recv_large}, {"drain", op_drain},         {"watch", op_watch},           {"unwatch", op_unwatch},
      {"formatAddress", op_format_address},
  };
  if (!watches_init(env)) return NULL;
  /* Before the loop below, so that formatAddress stays the last function registered. */
  if (pacer_register(env, exports) != napi_ok) return NULL;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, ops[i].name, NAPI_AUTO_LENGTH, ops[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, ops[i].name, fn) != napi_ok) return NULL;
  }
  napi_value stride;
  napi_create_int32(env, META_STRIDE, &stride);
  napi_set_named_property(env, exports, "META_STRIDE", stride);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
