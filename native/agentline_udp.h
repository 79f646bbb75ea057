/*
 * What the parts of the agentline_udp addon share (agentline_udp.c: sockets and sends,
 * recv.c: reads, watch.c: readability watches): the N-API argument helpers and the layout of
 * a received datagram's meta entry. See agentline_udp.c for what the addon is for.
 */
#ifndef AGENTLINE_UDP_H
#define AGENTLINE_UDP_H

#define NAPI_VERSION 8
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <node_api.h>

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

/* Int32 slots per datagram in the meta array (see op_recv_batch in recv.c). */
#define META_STRIDE 12

#define CHECK(call)                                                                                          \
  do {                                                                                                       \
    if ((call) != napi_ok) {                                                                                 \
      napi_throw_error(env, "ERR_AGENTLINE_UDP", "agentline_udp: bad arguments: " #call);                    \
      return NULL;                                                                                           \
    }                                                                                                        \
  } while (0)

napi_value int_result(napi_env env, int64_t value);
/* Reads an argument as an int32. */
int arg_i32(napi_env env, napi_value v, int32_t *out);
/* The bytes of a TypedArray or Buffer argument. */
int arg_bytes(napi_env env, napi_value v, uint8_t **data, size_t *length);
/* Reads an op's only argument, a file descriptor; false when it is not an int32. */
int one_fd(napi_env env, napi_callback_info info, int32_t *fd);

/* The ops, by file. */
napi_value op_recv_batch(napi_env env, napi_callback_info info);
napi_value op_recv_large(napi_env env, napi_callback_info info);
napi_value op_drain(napi_env env, napi_callback_info info);
napi_value op_watch(napi_env env, napi_callback_info info);
napi_value op_unwatch(napi_env env, napi_callback_info info);
/* Adds the pacer's ops to the exports (pacer.c). */
napi_status pacer_register(napi_env env, napi_value exports);
/* Sets up this environment's watch table (watch.c); false on failure. */
int watches_init(napi_env env);

#endif
