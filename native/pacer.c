/*
 * The RTP pacer (issue #4): a thread of its own that puts each media tick's packets on the
 * wire at the tick's due time, so that the JavaScript thread can build a tick ahead of time
 * and a garbage collection, a busy event loop or a late timer on that thread moves no packet
 * as long as the tick was handed over before it was due.
 *
 * The JavaScript side (src/media/rtp-pacer.ts) owns one buffer, shared with this thread: it
 * writes a tick's packets into a free region of it (entries, payloads, a header) and commits
 * the batch with its due time on CLOCK_MONOTONIC. The thread sleeps until the first committed
 * batch is due (pthread_cond_timedwait on CLOCK_MONOTONIC, with a timer slack of 1 ns: a
 * thread's default slack is 50 us), sends its packets in order, one send(2) or sendto(2) each,
 * writes each result into its entry and the pass's start and end times into the batch's
 * header, and marks the batch done. A region is the JavaScript side's again once `done`
 * reaches its batch's number; the mutex orders the writes on both sides.
 *
 * A socket a committed batch names must not be closed under it (the fd number could be
 * reused before the thread sends): `close` closes at once only when no batch is pending, and
 * otherwise after the last pending batch was sent.
 *
 * With a realtime priority (SCHED_FIFO, CAP_SYS_NICE) the thread preempts every ordinary
 * thread of the machine, the process's own included; it runs a few milliseconds a tick at most
 * (one system call per packet) and sleeps otherwise. Without the permission it runs at the
 * normal priority, and says so (`realtime`).
 */
#include "agentline_udp.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* Batches committed and not yet sent, at most (the JavaScript side uses fewer regions). */
#define QUEUE 8
/*
 * Int32 slots of a packet's entry: fd, payload offset, length, address length, 28 bytes of sockaddr, result.
 * The address length may carry ADDR_CONNECTED: the socket was connected to that address when the packet
 * was queued, and it is sent with send(2) unless the socket has been disconnected since (EDESTADDRREQ),
 * when it goes to that address with sendto(2), as it would have without the pacer.
 */
#define ENTRY_I32 12
#define E_FD 0
#define E_OFFSET 1
#define E_LENGTH 2
#define E_ADDRLEN 3
#define E_ADDR 4
#define E_RESULT 11
#define ADDR_CONNECTED 0x100
/* Bytes of a batch's header: the send pass's start and end, two doubles (ms, CLOCK_MONOTONIC). */
#define HEADER_BYTES 16

typedef struct {
  int64_t due_ns;
  int64_t seq;
  int32_t header;
  int32_t entries;
  int32_t count;
  /* Sockets to close once this batch is sent. */
  int *closes;
  int ncloses;
  int capacity;
} batch_t;

typedef struct {
  napi_env env;
  napi_ref buffer_ref;
  uint8_t *base;
  size_t size;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  batch_t queue[QUEUE];
  int head;
  int count;
  int64_t committed;
  int64_t done;
  int stopping;
  int running;
  /* 0: realtime as asked; 1: not asked; -errno: asked and refused. */
  int realtime;
} pacer_t;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void close_after(batch_t *b) {
  for (int i = 0; i < b->ncloses; i++) close(b->closes[i]);
  b->ncloses = 0;
}

/* One batch's sends; runs without the lock (the JavaScript side leaves a committed region alone). */
static void send_batch(pacer_t *p, batch_t *b) {
  int64_t start = now_ns();
  int32_t *entry = (int32_t *)(p->base + b->entries);
  for (int32_t i = 0; i < b->count; i++, entry += ENTRY_I32) {
    int32_t offset = entry[E_OFFSET], length = entry[E_LENGTH], addrlen = entry[E_ADDRLEN] & ~ADDR_CONNECTED;
    int connected = addrlen == 0 || (entry[E_ADDRLEN] & ADDR_CONNECTED) != 0;
    if (offset < 0 || length < 0 || (size_t)offset + (size_t)length > p->size || addrlen < 0 || addrlen > 28) {
      entry[E_RESULT] = -EINVAL;
      continue;
    }
    const uint8_t *data = p->base + offset;
    ssize_t n = connected ? send(entry[E_FD], data, (size_t)length, MSG_DONTWAIT | MSG_NOSIGNAL) : -1;
    if (!connected || (n < 0 && errno == EDESTADDRREQ && addrlen > 0))
      n = sendto(entry[E_FD], data, (size_t)length, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&entry[E_ADDR], (socklen_t)addrlen);
    entry[E_RESULT] = n < 0 ? -errno : (int32_t)n;
  }
  double *header = (double *)(p->base + b->header);
  header[0] = (double)start / 1e6;
  header[1] = (double)now_ns() / 1e6;
}

static void *run(void *arg) {
  pacer_t *p = arg;
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  pthread_mutex_lock(&p->lock);
  while (!p->stopping) {
    if (p->count == 0) {
      pthread_cond_wait(&p->wake, &p->lock);
      continue;
    }
    batch_t *b = &p->queue[p->head];
    if (now_ns() < b->due_ns) {
      struct timespec due = {.tv_sec = b->due_ns / 1000000000, .tv_nsec = b->due_ns % 1000000000};
      /* Woken before the due time (a commit, a stop): look again. */
      if (pthread_cond_timedwait(&p->wake, &p->lock, &due) != ETIMEDOUT) continue;
    }
    pthread_mutex_unlock(&p->lock);
    send_batch(p, b);
    pthread_mutex_lock(&p->lock);
    close_after(b);
    p->done = b->seq;
    p->head = (p->head + 1) % QUEUE;
    p->count--;
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

/* Stops the thread; what was committed and not sent is dropped, its sockets closed. Idempotent. */
static void pacer_stop(pacer_t *p) {
  if (!p->running) return;
  pthread_mutex_lock(&p->lock);
  p->stopping = 1;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  p->running = 0;
  for (; p->count > 0; p->count--, p->head = (p->head + 1) % QUEUE) close_after(&p->queue[p->head]);
}

static void on_env_cleanup(void *arg) { pacer_stop(arg); }

static void on_finalize(napi_env env, void *data, void *hint) {
  pacer_t *p = data;
  pacer_stop(p);
  napi_remove_env_cleanup_hook(env, on_env_cleanup, p);
  napi_delete_reference(env, p->buffer_ref);
  for (int i = 0; i < QUEUE; i++) free(p->queue[i].closes);
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->wake);
  free(p);
}

/* A batch's header and entries lie inside the buffer, aligned (its payloads are checked as they are sent). */
static int batch_fits(const pacer_t *p, int32_t header, int32_t entries, int32_t count) {
  return header >= 0 && header % 8 == 0 && (size_t)header + HEADER_BYTES <= p->size && entries >= 0 && entries % 4 == 0 &&
         count >= 0 && (size_t)entries + (size_t)count * ENTRY_I32 * 4 <= p->size;
}

static pacer_t *arg_pacer(napi_env env, napi_value v) {
  void *data;
  return napi_get_value_external(env, v, &data) == napi_ok ? data : NULL;
}

/* The pacer of an op whose only argument it is; NULL when that is not one. */
static pacer_t *one_pacer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return NULL;
  return arg_pacer(env, argv[0]);
}

/* pacerCreate(buffer, priority) -> pacer | -errno. priority > 0: SCHED_FIFO at that priority, when allowed. */
static napi_value op_pacer_create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t priority;
  uint8_t *base;
  size_t size;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!arg_bytes(env, argv[0], &base, &size) || !arg_i32(env, argv[1], &priority) || size > INT32_MAX) return int_result(env, -EINVAL);
  pacer_t *p = calloc(1, sizeof *p);
  if (p == NULL) return int_result(env, -ENOMEM);
  p->env = env;
  p->base = base;
  p->size = size;
  p->realtime = 1;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&p->wake, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_init(&p->lock, NULL);
  int e = pthread_create(&p->thread, NULL, run, p);
  if (e != 0) {
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
    return int_result(env, -e);
  }
  p->running = 1;
  if (priority > 0) {
    struct sched_param param = {.sched_priority = priority};
    p->realtime = -pthread_setschedparam(p->thread, SCHED_FIFO, &param);
  }
  napi_value out;
  if (napi_create_reference(env, argv[0], 1, &p->buffer_ref) != napi_ok ||
      napi_create_external(env, p, on_finalize, NULL, &out) != napi_ok) {
    pacer_stop(p);
    free(p);
    return int_result(env, -ENOMEM);
  }
  napi_add_env_cleanup_hook(env, on_env_cleanup, p);
  return out;
}

/*
 * pacerCommit(pacer, header, entries, count, dueMs) -> the batch's number | -errno. `header`
 * and `entries` are byte offsets into the buffer (8- and 4-aligned); dueMs on CLOCK_MONOTONIC.
 */
static napi_value op_pacer_commit(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  int32_t header, entries, count;
  double due_ms;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pacer_t *p = arg_pacer(env, argv[0]);
  if (p == NULL || !arg_i32(env, argv[1], &header) || !arg_i32(env, argv[2], &entries) || !arg_i32(env, argv[3], &count) ||
      napi_get_value_double(env, argv[4], &due_ms) != napi_ok)
    return int_result(env, -EINVAL);
  if (!batch_fits(p, header, entries, count)) return int_result(env, -EINVAL);
  pthread_mutex_lock(&p->lock);
  if (!p->running || p->stopping) {
    pthread_mutex_unlock(&p->lock);
    return int_result(env, -ESHUTDOWN);
  }
  if (p->count == QUEUE) {
    pthread_mutex_unlock(&p->lock);
    return int_result(env, -EAGAIN);
  }
  batch_t *b = &p->queue[(p->head + p->count) % QUEUE];
  b->due_ns = (int64_t)(due_ms * 1e6);
  b->header = header;
  b->entries = entries;
  b->count = count;
  b->ncloses = 0;
  b->seq = ++p->committed;
  if (p->count++ == 0) pthread_cond_signal(&p->wake);
  int64_t seq = b->seq;
  pthread_mutex_unlock(&p->lock);
  return int_result(env, seq);
}

/* pacerDone(pacer) -> the number of the last batch sent (0: none yet) | -errno */
static napi_value op_pacer_done(napi_env env, napi_callback_info info) {
  pacer_t *p = one_pacer(env, info);
  if (p == NULL) return int_result(env, -EINVAL);
  pthread_mutex_lock(&p->lock);
  int64_t done = p->done;
  pthread_mutex_unlock(&p->lock);
  return int_result(env, done);
}

/* pacerClose(pacer, fd) -> 0 | -errno: closes now, or after the last batch pending (see the file's comment). */
static napi_value op_pacer_close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pacer_t *p = arg_pacer(env, argv[0]);
  if (p == NULL || !arg_i32(env, argv[1], &fd) || fd < 0) return int_result(env, -EINVAL);
  pthread_mutex_lock(&p->lock);
  if (p->running && p->count > 0) {
    batch_t *b = &p->queue[(p->head + p->count - 1) % QUEUE];
    if (b->ncloses == b->capacity) {
      int capacity = b->capacity == 0 ? 8 : b->capacity * 2;
      int *grown = realloc(b->closes, sizeof *grown * (size_t)capacity);
      if (grown == NULL) {
        pthread_mutex_unlock(&p->lock);
        return int_result(env, -ENOMEM);
      }
      b->closes = grown;
      b->capacity = capacity;
    }
    b->closes[b->ncloses++] = fd;
    pthread_mutex_unlock(&p->lock);
    return int_result(env, 0);
  }
  pthread_mutex_unlock(&p->lock);
  return int_result(env, close(fd) < 0 ? -errno : 0);
}

/* pacerStop(pacer) -> 0: joins the thread (see pacer_stop). */
static napi_value op_pacer_stop(napi_env env, napi_callback_info info) {
  pacer_t *p = one_pacer(env, info);
  if (p == NULL) return int_result(env, -EINVAL);
  pacer_stop(p);
  return int_result(env, 0);
}

/*
 * pacerSendNow(pacer, header, entries, count) -> 0 | -errno: sends a batch from the calling
 * thread at once, results and times written as the thread would (a batch it would not take).
 */
static napi_value op_pacer_send_now(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  batch_t b = {0};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pacer_t *p = arg_pacer(env, argv[0]);
  if (p == NULL || !arg_i32(env, argv[1], &b.header) || !arg_i32(env, argv[2], &b.entries) || !arg_i32(env, argv[3], &b.count) ||
      !batch_fits(p, b.header, b.entries, b.count))
    return int_result(env, -EINVAL);
  send_batch(p, &b);
  return int_result(env, 0);
}

/* pacerRealtime(pacer) -> 0: SCHED_FIFO as asked; 1: not asked; -errno: refused (EPERM without CAP_SYS_NICE). */
static napi_value op_pacer_realtime(napi_env env, napi_callback_info info) {
  pacer_t *p = one_pacer(env, info);
  return int_result(env, p == NULL ? -EINVAL : p->realtime);
}

/* monotonicMs() -> CLOCK_MONOTONIC in ms, the pacer's time base. */
static napi_value op_monotonic_ms(napi_env env, napi_callback_info info) {
  napi_value out;
  napi_create_double(env, (double)now_ns() / 1e6, &out);
  return out;
}

napi_status pacer_register(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } ops[] = {
      {"pacerCreate", op_pacer_create}, {"pacerCommit", op_pacer_commit}, {"pacerDone", op_pacer_done},
      {"pacerClose", op_pacer_close},   {"pacerStop", op_pacer_stop},     {"pacerRealtime", op_pacer_realtime},
      {"pacerSendNow", op_pacer_send_now},
      {"monotonicMs", op_monotonic_ms},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    napi_value fn;
    napi_status s = napi_create_function(env, ops[i].name, NAPI_AUTO_LENGTH, ops[i].fn, NULL, &fn);
    if (s == napi_ok) s = napi_set_named_property(env, exports, ops[i].name, fn);
    if (s != napi_ok) return s;
  }
  napi_value stride;
  napi_create_int32(env, ENTRY_I32, &stride);
  return napi_set_named_property(env, exports, "PACER_ENTRY_I32", stride);
}
