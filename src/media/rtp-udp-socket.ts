/**
 * What an RTP session, its link and the socket pool use of a UDP socket: the part of
 * node:dgram's `Socket` that {@link NativeRtpSocket} (native-rtp-socket.ts) also provides, so
 * that either carries a call's RTP.
 */
import type { RemoteInfo } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** A send's completion callback (Node's dgram). */
export type SendCallback = (error: Error | null) => void;

/**
 * A datagram's listener. `ageMs`: how long before the call the kernel received it (native
 * sockets read it once per tick); undefined when it just arrived (node:dgram). With `start`
 * and `length` (native sockets) the datagram is `msg[start, start + length)`, in a buffer
 * that the next poll overwrites (no view object per datagram); without them, all of `msg`.
 */
export type MessageListener = (msg: Buffer, rinfo: RemoteInfo, ageMs?: number, start?: number, length?: number) => void;

/** See the module comment. */
export interface RtpUdpSocket {
  on(event: 'message', listener: MessageListener): this;
  on(event: 'error', listener: (error: Error) => void): this;
  off(event: 'message', listener: MessageListener): this;
  off(event: 'error', listener: (error: Error) => void): this;
  removeAllListeners(event: 'message' | 'error'): this;
  send(msg: Buffer, callback?: SendCallback): void;
  send(msg: Buffer, port: number, address: string, callback?: SendCallback): void;
  send(msg: Buffer, offset: number, length: number, callback?: SendCallback): void;
  send(msg: Buffer, offset: number, length: number, port: number, address: string, callback?: SendCallback): void;
  connect(port: number, address: string): void;
  disconnect(): void;
  remoteAddress(): AddressInfo;
  address(): AddressInfo;
  close(): void;
  ref(): this;
  unref(): this;
}
