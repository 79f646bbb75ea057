/*
 * The addon's reads (see agentline_udp.c): every RTP socket of the media clock's poll set in
 * one call (recvBatch), one SIP socket's waiting datagrams whole (recvLarge), and a resting
 * socket's backlog thrown away (drain). Each datagram gets a meta entry of META_STRIDE int32s.
 */
#include "agentline_udp.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* Datagrams read per recvmmsg(2) call; a socket with more waiting is read again. */
#define BATCH 8
/* Largest datagram read; a longer one is reported as -EMSGSIZE and dropped. */
#define MAX_DATAGRAM 2048
/* Datagrams read from one socket per poll, so that a flood on one cannot starve the others. */
#define MAX_PER_SOCKET 32
/* Datagrams read by one recvLarge call at most (its slots and meta entries may allow fewer). */
#define LARGE_BATCH 64

static uint8_t scratch[BATCH][MAX_DATAGRAM];
static struct sockaddr_in6 from[BATCH];
static union {
  char buf[CMSG_SPACE(sizeof(struct timespec))];
  struct cmsghdr align;
} control[BATCH];

/* Sets up one recvmmsg(2) entry: the payload into `buf`, the source into `src`, the timestamp into `ctl`. */
static void prepare(struct mmsghdr *msg, struct iovec *iov, void *buf, size_t len, struct sockaddr_in6 *src, void *ctl, size_t ctl_len) {
  iov->iov_base = buf;
  iov->iov_len = len;
  memset(&msg->msg_hdr, 0, sizeof msg->msg_hdr);
  msg->msg_hdr.msg_name = src;
  msg->msg_hdr.msg_namelen = sizeof *src;
  msg->msg_hdr.msg_iov = iov;
  msg->msg_hdr.msg_iovlen = 1;
  msg->msg_hdr.msg_control = ctl;
  msg->msg_hdr.msg_controllen = ctl_len;
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
    /* A link-local source names its interface (fe80::1%eth0): the reply needs it. */
    meta[10] = (int32_t)src->sin6_scope_id;
  } else {
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)src;
    meta[3] = ntohs(v4->sin_port);
    meta[4] = 4;
    memcpy(&meta[6], &v4->sin_addr, 4);
    meta[7] = meta[8] = meta[9] = 0;
    meta[10] = 0;
  }
}

/*
 * Turns the arrivals `record` wrote (microseconds after `base_ns`) into ages at the end of the
 * batch: the caller reads its own clock when the op returns.
 */
static void finish_ages(int32_t *meta, size_t entries, int64_t base_ns) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const int32_t end_us = clamp_us((ns_of(&now) - base_ns) / 1000);
  for (size_t e = 0; e < entries; e++) {
    int32_t *m = meta + e * META_STRIDE;
    m[5] = m[5] > end_us ? 0 : end_us - m[5];
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
 * (4 or 16 bytes in network order), the IPv6 source's scope id (0: none), unused]. Stops early
 * when `data` or `meta` is full: the rest waits in the kernel for the next call.
 */
napi_value op_recv_batch(napi_env env, napi_callback_info info) {
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
      for (unsigned k = 0; k < vlen; k++)
        prepare(&msgs[k], &iov[k], scratch[k], MAX_DATAGRAM, &from[k], control[k].buf, sizeof control[k].buf);
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
  finish_ages(meta, entries, base_ns);
  return int_result(env, (int64_t)entries);
}

/* The elements of an Int32Array argument (and no other kind: meta entries are written as int32s). */
static int arg_i32_array(napi_env env, napi_value v, int32_t **data, size_t *count) {
  napi_typedarray_type type;
  size_t offset;
  napi_value ab;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, count, &p, &ab, &offset) != napi_ok || type != napi_int32_array) return 0;
  *data = p;
  return 1;
}

/*
 * An IPv4-mapped source (an IPv4 peer of a dual-stack IPv6 socket, ::ffff:a.b.c.d) written as
 * the IPv4 address it is, into `out`; any other source as it is.
 */
static const struct sockaddr_in6 *unmapped(const struct sockaddr_in6 *src, struct sockaddr_in6 *out) {
  if (src->sin6_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&src->sin6_addr)) return src;
  struct sockaddr_in v4;
  memset(&v4, 0, sizeof v4);
  v4.sin_family = AF_INET;
  v4.sin_port = src->sin6_port;
  memcpy(&v4.sin_addr, &src->sin6_addr.s6_addr[12], 4);
  memset(out, 0, sizeof *out);
  memcpy(out, &v4, sizeof v4);
  return out;
}

/*
 * recvLarge(fd, data: Uint8Array, meta: Int32Array, slot) -> entries | -errno.
 * One recvmmsg(2) on one socket straight into `data`: datagram k at offset k * slot, as many as
 * `data` has slots, `meta` has entries and LARGE_BATCH allows. Meta entries as recvBatch's
 * (index 0), except that an IPv4-mapped source is given as IPv4 (family 4); a datagram longer
 * than `slot` has length -EMSGSIZE (for SIP the slot is 65,536 bytes: none is). 0 when nothing
 * waits. An error the socket reported (ECONNREFUSED after ICMP port unreachable on a connected
 * socket...) is one entry with length -errno, as recvBatch gives it; a bad fd, region or slot
 * is -errno as the result.
 */
napi_value op_recv_large(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, slot, *meta;
  uint8_t *data;
  size_t data_size, meta_count;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_i32(env, argv[0], &fd) || !arg_bytes(env, argv[1], &data, &data_size) ||
      !arg_i32_array(env, argv[2], &meta, &meta_count) || !arg_i32(env, argv[3], &slot) || slot <= 0)
    return int_result(env, -EINVAL);
  /* Offsets are int32s in meta. */
  if (data_size > INT32_MAX) data_size = INT32_MAX;
  size_t vlen = data_size / (size_t)slot;
  if (meta_count / META_STRIDE < vlen) vlen = meta_count / META_STRIDE;
  if (vlen > LARGE_BATCH) vlen = LARGE_BATCH;
  if (vlen == 0) return int_result(env, -EINVAL);
  struct mmsghdr msgs[LARGE_BATCH];
  struct iovec iov[LARGE_BATCH];
  struct sockaddr_in6 src[LARGE_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(struct timespec))];
    struct cmsghdr align;
  } ctl[LARGE_BATCH];
  for (size_t k = 0; k < vlen; k++) prepare(&msgs[k], &iov[k], data + k * (size_t)slot, (size_t)slot, &src[k], ctl[k].buf, sizeof ctl[k].buf);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t base_ns = ns_of(&now);
  int got;
  do got = recvmmsg(fd, msgs, (unsigned)vlen, MSG_DONTWAIT, NULL);
  while (got < 0 && errno == EINTR);
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t now_ns = ns_of(&now);
  struct sockaddr_in6 v4;
  if (got < 0) {
    const int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) return int_result(env, 0);
    if (error == EBADF || error == ENOTSOCK || error == EINVAL || error == EFAULT) return int_result(env, -error);
    struct msghdr none;
    memset(&none, 0, sizeof none);
    memset(&src[0], 0, sizeof src[0]);
    src[0].sin6_family = AF_INET6;
    record(meta, 0, 0, -error, &src[0], &none, base_ns, now_ns);
    finish_ages(meta, 1, base_ns);
    return int_result(env, 1);
  }
  for (int k = 0; k < got; k++) {
    int32_t length = (msgs[k].msg_hdr.msg_flags & MSG_TRUNC) ? -EMSGSIZE : (int32_t)msgs[k].msg_len;
    record(meta + (size_t)k * META_STRIDE, 0, (int32_t)((size_t)k * (size_t)slot), length, unmapped(&src[k], &v4), &msgs[k].msg_hdr, base_ns, now_ns);
  }
  finish_ages(meta, (size_t)got, base_ns);
  return int_result(env, got);
}

/* drain(fd) -> datagrams discarded: what waited on a socket while nobody read it. */
napi_value op_drain(napi_env env, napi_callback_info info) {
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
