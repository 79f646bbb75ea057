import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallAbort } from './signal.ts';

test('listeners (functions and handleEvent objects) run once each, in order, with an abort Event', () => {
  const abort = new CallAbort();
  const seen: string[] = [];
  const fn = (e: Event): void => { seen.push(`fn:${e.type}`); };
  const obj = { handleEvent: (e: Event): void => { seen.push(`obj:${e.type}`); } };
  abort.addEventListener('abort', fn, { once: true });
  abort.addEventListener('abort', obj);
  abort.addEventListener('abort', fn); // the same listener again: ignored, as by an EventTarget
  assert.equal(abort.aborted, false);
  assert.equal(abort.reason, undefined);
  abort.abort('caller');
  abort.abort('agent'); // a second abort changes nothing
  assert.deepEqual(seen, ['fn:abort', 'obj:abort']);
  assert.equal(abort.aborted, true);
  assert.equal(abort.reason, 'caller');
});

test('a removed listener is not called, also when an earlier listener removes it during the abort', () => {
  const abort = new CallAbort();
  const seen: string[] = [];
  const late = (): void => { seen.push('late'); };
  const gone = (): void => { seen.push('gone'); };
  abort.addEventListener('abort', gone);
  abort.removeEventListener('abort', gone);
  abort.addEventListener('abort', () => { seen.push('first'); abort.removeEventListener('abort', late); });
  abort.addEventListener('abort', late);
  abort.removeEventListener('abort', () => {}); // unknown: ignored
  abort.abort();
  assert.deepEqual(seen, ['first']);
});

test('a listener added during or after the abort is never called', () => {
  const abort = new CallAbort();
  const seen: string[] = [];
  abort.addEventListener('abort', () => { abort.addEventListener('abort', () => { seen.push('during'); }); });
  abort.abort();
  abort.addEventListener('abort', () => { seen.push('after'); });
  assert.deepEqual(seen, []);
});

test('a throwing listener is reported and the others still run', () => {
  const errors: unknown[] = [];
  const abort = new CallAbort((err) => errors.push(err));
  const seen: string[] = [];
  abort.addEventListener('abort', () => { throw new Error('agent bug'); });
  abort.addEventListener('abort', () => { seen.push('second'); });
  abort.abort('caller');
  assert.deepEqual(seen, ['second']);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /agent bug/);
  // Without a reporter the error is swallowed, not thrown out of abort().
  const quiet = new CallAbort();
  quiet.addEventListener('abort', () => { throw new Error('x'); });
  assert.doesNotThrow(() => quiet.abort());
});

test('abort() without a reason gives an AbortError, as AbortController does; throwIfAborted throws the reason', () => {
  const abort = new CallAbort();
  assert.doesNotThrow(() => abort.throwIfAborted());
  abort.abort();
  assert.ok(abort.reason instanceof DOMException);
  assert.equal((abort.reason as DOMException).name, 'AbortError');
  assert.throws(() => abort.throwIfAborted(), { name: 'AbortError' });
  const withReason = new CallAbort();
  withReason.abort('max_duration');
  assert.throws(() => withReason.throwIfAborted(), (e: unknown) => e === 'max_duration');
});

test('abortSignal is a standard AbortSignal that aborts with it, made before or after the abort', () => {
  const before = new CallAbort();
  const signal = before.abortSignal;
  assert.ok(signal instanceof AbortSignal);
  assert.equal(before.abortSignal, signal); // made once
  let fired = 0;
  signal.addEventListener('abort', () => { fired++; });
  assert.equal(signal.aborted, false);
  before.abort('caller');
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, 'caller');
  assert.equal(fired, 1);

  const after = new CallAbort();
  after.abort('shutdown');
  assert.equal(after.abortSignal.aborted, true);
  assert.equal(after.abortSignal.reason, 'shutdown');
});
