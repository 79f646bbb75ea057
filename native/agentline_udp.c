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
 * Every function returns a negative errno on failure instead of throwing; the JavaScript side
 * (src/media/native-udp.ts) turns those into errors with Node's codes.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Datagrams read per recvmmsg(2) call; a socket with more waiting is read again. */
#define BATCH 8
/* Largest datagram read; a longer one is reported as -EMSGSIZE and dropped. */
#define MAX_DATAGRAM 2048
/* Int32 slots per datagram in the meta array (see recv_batch). */
#define META_STRIDE 12
/* Datagrams read from one socket per poll, so that a flood on one cannot starve the others. */
#define MAX_PER_SOCKET 32

static uint8_t scratch[BATCH][MAX_DATAGRAM];
static struct sockaddr_in6 from[BATCH];
static union {
  char buf[CMSG_SPACE(sizeof(struct timespec))];
  struct cmsghdr align;
} control[BATCH];

#define CHECK(call)                                                                                          \
  do {                                                                                                       \
    if ((call) != napi_ok) {                                                                                 \
      napi_throw_error(env, "ERR_AGENTLINE_UDP", "agentline_udp: bad arguments: " #call);                    \
      return NULL;                                                                                           \
    }                                                                                                        \
  } while (0)

static napi_value int_result(napi_env env, int64_t value) {
  napi_value out;
  napi_create_int64(env, value, &out);
  return out;
}

/* Reads an argument as an int32. */
static int arg_i32(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out) == napi_ok; }

/* The bytes of a TypedArray or Buffer argument. */
static int arg_bytes(napi_env env, napi_value v, uint8_t **data, size_t *length) {
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
static int one_fd(napi_env env, napi_callback_info info, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return 0;
  return arg_i32(env, argv[0], fd);
}

/* Parses a numeric address for a socket of the given family (an IPv4 peer of an IPv6 socket is mapped). */
static int parse_address(napi_env env, napi_value v, int ipv6, int32_t port, struct sockaddr_storage *ss, socklen_t *len) {
  char text[INET6_ADDRSTRLEN + 1];
  size_t n;
  if (napi_get_value_string_utf8(env, v, text, sizeof text, &n) != napi_ok || n >= sizeof text - 1) return 0;
  memset(ss, 0, sizeof *ss);
  if (ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, text, &a->sin6_addr) != 1) {
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

/* close(fd) -> 0 | -errno */
static napi_value op_close(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!one_fd(env, info, &fd) || fd < 0) return int_result(env, -EINVAL);
  return int_result(env, close(fd) < 0 ? -errno : 0);
}

static int64_t ns_of(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

/* Clamps a microsecond count to int32. */
static int32_t clamp_us(int64_t us) { return us < -INT32_MAX ? -INT32_MAX : us > INT32_MAX ? INT32_MAX : (int32_t)us; }

/*
 * Writes one datagram's meta entry. Its arrival goes in slot 5 as microseconds after
 * `base_ns` (the kernel's timestamp, else `read_ns`, when it was read); recv_batch turns
 * that into an age once the batch is done.
 */
static void record(int32_t *meta, int32_t index, int32_t offset, int32_t length, const struct sockaddr_in6 *src,
                   const struct msghdr *hdr, int64_t base_ns, int64_t read_ns) {
  int64_t at_ns = read_ns;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(hdr); c != NULL; c = CMSG_NXTHDR((struct msghdr *)hdr, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      at_ns = ns_of(&ts);
    }
  }
  meta[0] = index;
  meta[1] = offset;
  meta[2] = length;
  meta[5] = clamp_us((at_ns - base_ns) / 1000);
  if (src->sin6_family == AF_INET6) {
    meta[3] = ntohs(src->sin6_port);
    meta[4] = 6;
    memcpy(&meta[6], &src->sin6_addr, 16);
  } else {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)src;
    meta[3] = ntohs(v4->sin_port);
    meta[4] = 4;
    memcpy(&meta[6], &v4->sin_addr, 4);
    meta[7] = meta[8] = meta[9] = 0;
  }
}

/*
 * recvBatch(fds: Int32Array, count, data: Uint8Array, meta: Int32Array) -> datagrams read.
 * Reads what is waiting on each of the first `count` sockets (at most MAX_PER_SOCKET each;
 * a negative fd is skipped),
 * packing the payloads into `data` one after the other; per datagram, META_STRIDE int32s of
 * `meta`: [socket index, offset in data, length (or -errno: an error the socket reported,
 * such as ECONNREFUSED after ICMP port unreachable), source port, family (4 or 6), arrival
 * (its age in microseconds when this call returned, from the kernel's timestamp), source address
 * (4 or 16 bytes in network order), unused]. Stops early when `data` or `meta` is full: the
 * rest waits in the kernel for the next call.
 */
static napi_value op_recv_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  uint8_t *fds_bytes, *data, *meta_bytes;
  size_t fds_size, data_size, meta_size;
  int32_t count;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_bytes(env, argv[0], &fds_bytes, &fds_size) || !arg_i32(env, argv[1], &count) ||
      !arg_bytes(env, argv[2], &data, &data_size) || !arg_bytes(env, argv[3], &meta_bytes, &meta_size) || count < 0 ||
      (size_t)count * 4 > fds_size)
    return int_result(env, -EINVAL);
  const int32_t *fds = (const int32_t *)fds_bytes;
  int32_t *meta = (int32_t *)meta_bytes;
  size_t max_entries = meta_size / (4 * META_STRIDE);
  size_t entries = 0, used = 0;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t base_ns = ns_of(&now);
  for (int32_t i = 0; i < count; i++) {
    if (fds[i] < 0) continue;
    int per_socket = 0;
    for (;;) {
      size_t room = max_entries - entries;
      if (room == 0 || data_size - used < MAX_DATAGRAM || per_socket >= MAX_PER_SOCKET) goto full;
      unsigned vlen = room < BATCH ? (unsigned)room : BATCH;
      size_t fit = (data_size - used) / MAX_DATAGRAM;
      if (fit < vlen) vlen = (unsigned)fit;
      for (unsigned k = 0; k < vlen; k++) {
        iov[k].iov_base = scratch[k];
        iov[k].iov_len = MAX_DATAGRAM;
        memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
        msgs[k].msg_hdr.msg_name = &from[k];
        msgs[k].msg_hdr.msg_namelen = sizeof from[k];
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
        msgs[k].msg_hdr.msg_control = control[k].buf;
        msgs[k].msg_hdr.msg_controllen = sizeof control[k].buf;
      }
      int got = recvmmsg(fds[i], msgs, vlen, MSG_DONTWAIT, NULL);
      if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        /* An error queued on the socket (ICMP port unreachable on a connected one), or a bad fd. */
        const int error = errno;
        clock_gettime(CLOCK_REALTIME, &now);
        struct msghdr none;
        memset(&none, 0, sizeof none);
        memset(&from[0], 0, sizeof from[0]);
        from[0].sin6_family = AF_INET6;
        record(meta + entries * META_STRIDE, i, (int32_t)used, -error, &from[0], &none, base_ns, ns_of(&now));
        entries++;
        per_socket++;
        if (error == EBADF || error == ENOTSOCK) break;
        continue;
      }
      clock_gettime(CLOCK_REALTIME, &now);
      int64_t now_ns = ns_of(&now);
      for (int k = 0; k < got; k++) {
        int32_t length = (int32_t)msgs[k].msg_len;
        if (msgs[k].msg_hdr.msg_flags & MSG_TRUNC) length = -EMSGSIZE;
        else memcpy(data + used, scratch[k], (size_t)length);
        record(meta + entries * META_STRIDE, i, (int32_t)used, length, &from[k], &msgs[k].msg_hdr, base_ns, now_ns);
        entries++;
        if (length > 0) used += (size_t)length;
      }
      per_socket += got;
      if ((unsigned)got < vlen) break;
    }
  }
full:
  /* Ages at the end of the batch: the caller reads its own clock when this returns. */
  clock_gettime(CLOCK_REALTIME, &now);
  const int32_t end_us = clamp_us((ns_of(&now) - base_ns) / 1000);
  for (size_t e = 0; e < entries; e++) {
    int32_t *m = meta + e * META_STRIDE;
    m[5] = m[5] > end_us ? 0 : end_us - m[5];
  }
  return int_result(env, (int64_t)entries);
}

/* drain(fd) -> datagrams discarded: what waited on a socket while nobody read it. */
static napi_value op_drain(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!one_fd(env, info, &fd)) return int_result(env, -EINVAL);
  int64_t n = 0;
  for (;;) {
    ssize_t r = recv(fd, scratch[0], MAX_DATAGRAM, MSG_DONTWAIT | MSG_TRUNC);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (r < 0 && errno != ECONNREFUSED) break;
    n++;
  }
  return int_result(env, n);
}

/* formatAddress(family, a0, a1, a2, a3) -> text (inet_ntop, as Node prints addresses). */
static napi_value op_format_address(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  int32_t family, words[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_i32(env, argv[0], &family)) return int_result(env, -EINVAL);
  for (int k = 0; k < 4; k++)
    if (!arg_i32(env, argv[k + 1], &words[k])) return int_result(env, -EINVAL);
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, words, text, sizeof text) == NULL) return int_result(env, -errno);
  napi_value out;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } ops[] = {
      {"open", op_open},         {"localPort", op_local_port}, {"connect", op_connect},       {"disconnect", op_disconnect},
      {"send", op_send},         {"sendTo", op_send_to},       {"close", op_close},           {"recvBatch", op_recv_batch},
      {"drain", op_drain},       {"formatAddress", op_format_address},
  };
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
