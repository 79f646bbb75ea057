/** Stream framing (RFC 3261 §18.3) and CRLF keep-alives (RFC 5626 §3.5.1). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findFrame, type FrameResult } from './framing.ts';
import { rawMessage, requestLines } from './test-messages.ts';

/** A stream reader as a transport would write one: feeds chunks, collects frames. */
class Reader {
  private buf = Buffer.alloc(0);
  readonly messages: string[] = [];
  pings = 0;
  error: string | undefined;

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const r: FrameResult = findFrame(this.buf);
      if (r.kind === 'incomplete') return;
      if (r.kind === 'error') {
        this.error = r.reason;
        return;
      }
      if (r.kind === 'message') this.messages.push(this.buf.subarray(0, r.length).toString('latin1'));
      else if (r.ping) this.pings++;
      this.buf = this.buf.subarray(r.length);
    }
  }
}

const message = (body: string, extra: string[] = []): Buffer =>
  rawMessage([...requestLines('MESSAGE'), ...extra, `Content-Length: ${Buffer.byteLength(body)}`], body);

describe('findFrame', () => {
  it('finds one complete message and its exact length', () => {
    const m = message('hello');
    assert.deepEqual(findFrame(m), { kind: 'message', length: m.length });
    assert.deepEqual(findFrame(Buffer.concat([m, Buffer.from('INV')])), { kind: 'message', length: m.length });
  });

  it('splits two messages in one chunk', () => {
    const a = message('first body');
    const b = message('second\r\n\r\nbody with a blank line');
    const r = new Reader();
    r.push(Buffer.concat([a, b]));
    assert.deepEqual(r.messages, [a.toString('latin1'), b.toString('latin1')]);
  });

  it('reassembles a message split across chunks byte by byte', () => {
    const a = message('héllo', ['Subject: split']);
    const b = message('');
    const r = new Reader();
    for (const byte of Buffer.concat([a, b])) r.push(Buffer.from([byte]));
    assert.deepEqual(r.messages, [a.toString('latin1'), b.toString('latin1')]);
    assert.equal(r.error, undefined);
  });

  it('waits for the rest of the headers or the body', () => {
    const m = message('0123456789');
    assert.deepEqual(findFrame(m.subarray(0, 20)), { kind: 'incomplete' });
    assert.deepEqual(findFrame(m.subarray(0, m.length - 1)), { kind: 'incomplete' });
  });

  it('reads Content-Length wherever it is, in any case, or in compact form', () => {
    for (const cl of ['Content-Length: 4', 'content-length:4', 'CONTENT-LENGTH \t:  4 ', 'l: 4', 'L:4']) {
      const m = rawMessage(['MESSAGE sip:a@b SIP/2.0', cl, 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'X-Last: 1'], 'abcd');
      assert.deepEqual(findFrame(m), { kind: 'message', length: m.length }, cl);
    }
  });

  it('is not fooled by "Content-Length" inside another header or a folded line', () => {
    const m = rawMessage(['MESSAGE sip:a@b SIP/2.0', 'X-Note: Content-Length: 99', 'Subject: a', ' l: 50', 'Content-Length: 2'], 'ok');
    assert.deepEqual(findFrame(m), { kind: 'message', length: m.length });
  });

  it('reports an error when Content-Length is missing (RFC 3261 §18.3)', () => {
    const r = findFrame(rawMessage(requestLines('OPTIONS')));
    assert.equal(r.kind, 'error');
  });

  it('reports an error when the headers grow past the limit without ending', () => {
    const head = Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nX-Big: ${'a'.repeat(200)}`);
    assert.deepEqual(findFrame(head, 1000), { kind: 'incomplete' });
    assert.equal(findFrame(head, 100).kind, 'error');
  });
});

describe('findFrame: keep-alives', () => {
  it('answers a double-CRLF ping (RFC 5626 §3.5.1)', () => {
    assert.deepEqual(findFrame(Buffer.from('\r\n\r\n')), { kind: 'keepalive', length: 4, ping: true });
  });

  it('skips a single CRLF (a pong) without answering it', () => {
    assert.deepEqual(findFrame(Buffer.from('\r\n')), { kind: 'keepalive', length: 2, ping: false });
  });

  it('skips keep-alives before and between messages', () => {
    const a = message('a');
    const b = message('b');
    const r = new Reader();
    r.push(Buffer.concat([Buffer.from('\r\n\r\n'), a, Buffer.from('\r\n'), b, Buffer.from('\r\n\r\n')]));
    assert.deepEqual(r.messages, [a.toString('latin1'), b.toString('latin1')]);
    assert.equal(r.pings, 2);
  });
});
