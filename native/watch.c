/*
 * The addon's readability watches (see agentline_udp.c): SIP's UDP socket is read as datagrams
 * arrive, through a libuv poll handle whose readable events call JavaScript.
 */
#include "agentline_udp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <uv.h>

/* Watches open at once per Node.js environment (SIP needs one per listening socket). */
#define MAX_WATCHES 256

/*
 * Readability watches (watch/unwatch). Each is a libuv poll handle on the environment's loop,
 * with a reference to its JavaScript callback and an async context so that the callback runs
 * as any libuv callback does (async hooks, then process.nextTick and microtasks after it). The
 * JavaScript side knows a watch by an id, never by a pointer: the slot in the environment's
 * table in the low 8 bits, a serial number above them (a stale id cannot close a newer watch).
 */
typedef struct watches watches_t;

typedef struct {
  uv_poll_t poll;
  watches_t *owner;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int32_t id;
  int fd;
  /* Inside its JavaScript callback: an unwatch from there releases the callback after it returns. */
  int dispatching;
  /* Unwatched (its handle is closing). */
  int unwatched;
} watch_t;

/* One environment's watches (instance data; a worker thread has its own). */
struct watches {
  watch_t *slot[MAX_WATCHES];
  uint32_t serial;
  /* Handles not closed yet (uv_close's callback not run yet). */
  int open;
  /* Set when the environment tears down: the last handle closed frees this. */
  napi_async_cleanup_hook_handle teardown;
};

/* Frees a watch once libuv has closed its handle. */
static void on_watch_closed(uv_handle_t *handle) {
  watch_t *w = handle->data;
  watches_t *owner = w->owner;
  free(w);
  if (--owner->open == 0 && owner->teardown != NULL) {
    napi_remove_async_cleanup_hook(owner->teardown);
    free(owner);
  }
}

/* Drops the watch's hold on its JavaScript callback and its async context. */
static void release_js(watch_t *w) {
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
}

/*
 * Stops a watch and closes its handle at once, so that its fd may be closed (or watched again)
 * as soon as this returns; the callback is released here, or after it returns when this runs
 * inside it.
 */
static void stop_watch(watch_t *w) {
  w->owner->slot[w->id & (MAX_WATCHES - 1)] = NULL;
  w->unwatched = 1;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_watch_closed);
  if (!w->dispatching) release_js(w);
}

/*
 * A readable event (or an error, status < 0): calls the watch's callback with no arguments. An
 * exception it throws goes to process 'uncaughtException' (napi_fatal_exception), as one thrown
 * by any libuv callback would. libuv stops a poll handle on POLLERR: a socket with an error
 * queued (which the callback's read consumes) is watched again, unless its fd was closed.
 */
static void on_readable(uv_poll_t *handle, int status, int events) {
  watch_t *w = handle->data;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, global, result;
  w->dispatching = 1;
  if (napi_get_reference_value(env, w->callback, &callback) == napi_ok && callback != NULL &&
      napi_get_global(env, &global) == napi_ok &&
      napi_make_callback(env, w->context, global, callback, 0, NULL, &result) != napi_ok) {
    bool pending = false;
    napi_value error;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &error) == napi_ok)
      napi_fatal_exception(env, error);
  }
  w->dispatching = 0;
  napi_close_handle_scope(env, scope);
  if (w->unwatched) release_js(w);
  else if (status < 0 && fcntl(w->fd, F_GETFD) != -1) uv_poll_start(&w->poll, UV_READABLE, on_readable);
}

/* This environment's watch table. */
static watches_t *watches_of(napi_env env) {
  void *data = NULL;
  return napi_get_instance_data(env, &data) == napi_ok ? data : NULL;
}

/*
 * watch(fd, callback) -> id | -errno. Calls `callback()` whenever the fd is readable (level
 * triggered: again on the next loop iteration while data waits) until unwatch(id). Keeps the
 * event loop alive meanwhile. -EEXIST when the loop already watches the fd, -EMFILE when
 * MAX_WATCHES are open.
 */
napi_value op_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name;
  int32_t fd;
  napi_valuetype type;
  uv_loop_t *loop;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  watches_t *table = watches_of(env);
  if (!arg_i32(env, argv[0], &fd) || fd < 0 || napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function)
    return int_result(env, -EINVAL);
  if (table == NULL || table->teardown != NULL || napi_get_uv_event_loop(env, &loop) != napi_ok) return int_result(env, -EINVAL);
  int free_slot = -1;
  for (int i = 0; i < MAX_WATCHES && free_slot < 0; i++)
    if (table->slot[i] == NULL) free_slot = i;
  if (free_slot < 0) return int_result(env, -EMFILE);
  watch_t *w = calloc(1, sizeof *w);
  if (w == NULL) return int_result(env, -ENOMEM);
  if (napi_create_reference(env, argv[1], 1, &w->callback) != napi_ok) {
    free(w);
    return int_result(env, -ENOMEM);
  }
  if (napi_create_string_utf8(env, "agentline_udp.watch", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &w->context) != napi_ok) {
    napi_delete_reference(env, w->callback);
    free(w);
    return int_result(env, -ENOMEM);
  }
  w->env = env;
  /* libuv's codes are negative errnos on Unix (-EEXIST, -EBADF, -EPERM for a regular file...). */
  int err = uv_poll_init(loop, &w->poll, fd);
  if (err < 0) {
    release_js(w);
    free(w);
    return int_result(env, err);
  }
  w->poll.data = w;
  w->owner = table;
  w->fd = fd;
  w->id = (int32_t)(((table->serial++ & 0x7fffff) << 8) | (uint32_t)free_slot);
  table->open++;
  table->slot[free_slot] = w;
  uv_poll_start(&w->poll, UV_READABLE, on_readable);
  return int_result(env, w->id);
}

/* unwatch(id) -> 0 | -errno: -ENOENT for an id not watched (unwatched already). */
napi_value op_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t id;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  watches_t *table = watches_of(env);
  if (!arg_i32(env, argv[0], &id) || id < 0 || table == NULL) return int_result(env, -EINVAL);
  watch_t *w = table->slot[id & (MAX_WATCHES - 1)];
  if (w == NULL || w->id != id) return int_result(env, -ENOENT);
  stop_watch(w);
  return int_result(env, 0);
}

/*
 * The environment tears down (a worker ends, the main thread exits by emptying its loop): the
 * watches still open are stopped, their callbacks released and their handles closed. An async
 * cleanup hook rather than napi_add_env_cleanup_hook, because closing a libuv handle completes
 * in a later loop iteration: Node keeps running the loop until the hook says it is done (the
 * last handle's close callback), so no handle outlives the loop (a worker's uv_loop_close
 * would abort on one).
 */
static void on_env_teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  watches_t *table = arg;
  table->teardown = handle;
  for (int i = 0; i < MAX_WATCHES; i++)
    if (table->slot[i] != NULL) stop_watch(table->slot[i]);
  if (table->open == 0) {
    napi_remove_async_cleanup_hook(handle);
    free(table);
  }
}

int watches_init(napi_env env) {
  watches_t *table = calloc(1, sizeof *table);
  if (table == NULL) return 0;
  if (napi_set_instance_data(env, table, NULL, NULL) != napi_ok || napi_add_async_cleanup_hook(env, on_env_teardown, table, NULL) != napi_ok) {
    free(table);
    return 0;
  }
  return 1;
}
