import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  buildAuthorization, computeHa1, computeResponse, createChallenge, formatChallenge, parseChallenge,
  parseCredentials, selectChallenge, verifyCredentials,
  type DigestAlgorithm, type DigestCredentials,
} from './digest.ts';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

// RFC 2617 §3.5 worked example.
const RFC2617 = {
  username: 'Mufasa', password: 'Circle Of Life', realm: 'testrealm@host.com',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', cnonce: '0a4f113b', uri: '/dir/index.html', method: 'GET',
};

// RFC 7616 §3.9.1 example.
const RFC7616 = {
  username: 'Mufasa', password: 'Circle of Life', realm: 'http-auth@example.org', method: 'GET',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', uri: '/dir/index.html', qop: 'auth' as const, nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

const SECRET = 'test-secret';
const NOW = 1_700_000_000_000;

test('RFC 2617 §3.5 worked example', () => {
  const r = computeResponse({ algorithm: 'MD5', ...RFC2617, qop: 'auth', nc: 1 });
  assert.equal(r, '6629fae49393a05397450978507c4ef1');
});

test('RFC 7616 §3.9.1 SHA-256 and MD5 examples', () => {
  assert.equal(computeResponse({ algorithm: 'SHA-256', ...RFC7616 }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.equal(computeResponse({ algorithm: 'MD5', ...RFC7616 }), '8ca523f5e9506fed4657c9700eebdbec');
});

test('computeResponse: -sess, auth-int, RFC 2069 form and precomputed HA1', () => {
  const base = { ...RFC2617, nc: '00000001' };
  const ha1 = md5(`Mufasa:testrealm@host.com:Circle Of Life`);
  const sessHa1 = md5(`${ha1}:${base.nonce}:${base.cnonce}`);
  const ha2 = md5('GET:/dir/index.html');
  assert.equal(computeResponse({ ...base, algorithm: 'MD5-sess', qop: 'auth' }),
    md5(`${sessHa1}:${base.nonce}:00000001:0a4f113b:auth:${ha2}`));
  const body = 'v=0\r\n';
  const ha2Int = md5(`GET:/dir/index.html:${md5(body)}`);
  assert.equal(computeResponse({ ...base, algorithm: 'MD5', qop: 'auth-int', body }),
    md5(`${ha1}:${base.nonce}:00000001:0a4f113b:auth-int:${ha2Int}`));
  assert.equal(computeResponse({ ...base, algorithm: 'MD5', qop: 'auth-int', body: Buffer.from(body) }),
    md5(`${ha1}:${base.nonce}:00000001:0a4f113b:auth-int:${ha2Int}`));
  assert.equal(computeResponse({ ...base, algorithm: 'MD5' }), md5(`${ha1}:${base.nonce}:${ha2}`));
  const { password: _p, ...noPassword } = base;
  assert.equal(computeResponse({ ...noPassword, ha1, algorithm: 'MD5', qop: 'auth' }), '6629fae49393a05397450978507c4ef1');
  assert.equal(computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life'), ha1);
  assert.throws(() => computeResponse({ ...base, cnonce: undefined, algorithm: 'MD5', qop: 'auth' }), TypeError);
  assert.throws(() => computeResponse({ ...base, cnonce: undefined, algorithm: 'SHA-256-sess' }), TypeError);
});

test('parseChallenge: RFC 2617 example with folding, spacing and case', () => {
  const c = parseChallenge('Digest\r\n realm="testrealm@host.com",\r\n qop="auth,auth-int",\r\n'
    + ' nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",\r\n opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  assert.deepEqual(c, {
    realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', algorithm: 'MD5',
    qop: ['auth', 'auth-int'], stale: false, opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  });
  const d = parseChallenge('  DIGEST REALM = "a\\"b" ,NONCE="n1",  Algorithm = sha-256-SESS ,'
    + ' qop = " AUTH-INT , bogus ", stale=true, domain="sip:x"');
  assert.deepEqual(d, {
    realm: 'a"b', nonce: 'n1', algorithm: 'SHA-256-sess', qop: ['auth-int'], stale: true, domain: 'sip:x',
  });
  assert.equal(parseChallenge('Digest realm="r", nonce="n", stale=FALSE')?.stale, false);
  assert.deepEqual(parseChallenge('Digest realm="r", nonce="n"')?.qop, []);
  assert.equal(parseChallenge('Digest realm="r", nonce="n", Basic realm="x"')?.nonce, 'n');
});

test('parseChallenge rejects what a UAC cannot answer', () => {
  for (const bad of [
    'Basic realm="r"', 'Digest nonce="n"', 'Digest realm="r"', 'Digest realm="r", nonce="n", algorithm=SHA-1',
    'Digest realm="r", nonce="n", algorithm=SHA-512-256',
    'Digest realm="r", nonce="n", qop="auth-conf"', 'Digest realm="r, nonce="n"', 'Digest realm="r" nonce="n"',
    'Digest realm="r", nonce="n", nonce="m"', 'Digestrealm="r", nonce="n"', '',
  ]) assert.equal(parseChallenge(bad), undefined, bad);
});

test('selectChallenge takes the first supported challenge (RFC 8760 §2.4)', () => {
  const c = selectChallenge([
    'Digest realm="r", nonce="a", algorithm=SHA-512-256', 'Digest realm="r", nonce="b", algorithm=SHA-256',
    'Digest realm="r", nonce="c", algorithm=MD5',
  ]);
  assert.equal(c?.nonce, 'b');
  assert.equal(selectChallenge(['Basic realm="x"']), undefined);
});

test('parseCredentials: RFC 3261 §22.4-style Authorization', () => {
  const c = parseCredentials('Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",'
    + ' uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b",'
    + ' response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  assert.deepEqual(c, {
    username: 'bob', realm: 'biloxi.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', uri: 'sip:bob@biloxi.com',
    response: '6629fae49393a05397450978507c4ef1', algorithm: 'MD5', qop: 'auth', nc: '00000001',
    cnonce: '0a4f113b', opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  });
  const q = parseCredentials('digest USERNAME="u",realm="r",nonce="n",uri="sip:x",response="ab",'
    + 'algorithm="SHA-256",qop="auth",nc=1,cnonce="c"');
  assert.equal(q?.algorithm, 'SHA-256');
  assert.equal(q?.qop, 'auth');
  assert.equal(q?.nc, '1');
});

test('parseCredentials rejects incomplete or unsupported credentials', () => {
  const ok = 'Digest username="u", realm="r", nonce="n", uri="sip:x", response="ab"';
  assert.ok(parseCredentials(ok));
  for (const bad of [
    'Digest realm="r", nonce="n", uri="sip:x", response="ab"', 'Digest username="u", realm="r", nonce="n", uri="sip:x"',
    `${ok}, qop=auth, nc=00000001`, `${ok}, qop=auth, cnonce="c"`, `${ok}, qop=auth, nc=zz, cnonce="c"`,
    `${ok}, qop=auth-conf, nc=00000001, cnonce="c"`, `${ok}, algorithm=SHA-1`, 'Basic dTpw',
  ]) assert.equal(parseCredentials(bad), undefined, bad);
});

test('buildAuthorization reproduces RFC 2617 §3.5 and prefers qop=auth', () => {
  const challenge = parseChallenge('Digest realm="testrealm@host.com", qop="auth-int,auth",'
    + ' nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  assert.ok(challenge);
  const value = buildAuthorization(challenge, { ...RFC2617, nc: 1 });
  assert.equal(value, 'Digest username="Mufasa", realm="testrealm@host.com",'
    + ' nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html",'
    + ' response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b",'
    + ' opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001');
  assert.deepEqual(parseCredentials(value)?.response, '6629fae49393a05397450978507c4ef1');
});

test('buildAuthorization: nc hex, auth-int only, no qop, random cnonce, quoting', () => {
  const opts = { username: 'a"b', password: 'p', method: 'INVITE', uri: 'sip:x@y' };
  const intOnly = buildAuthorization({ realm: 'r', nonce: 'n', algorithm: 'SHA-256', qop: ['auth-int'], stale: false },
    { ...opts, body: 'v=0', nc: 255 });
  assert.match(intOnly, /^Digest username="a\\"b", /);
  assert.match(intOnly, /, qop=auth-int, nc=000000ff$/);
  const parsed = parseCredentials(intOnly);
  assert.equal(parsed?.username, 'a"b');
  assert.match(parsed?.cnonce ?? '', /^[0-9a-f]{32}$/);
  assert.equal(parsed?.response.length, 64);
  const legacy = buildAuthorization({ realm: 'r', nonce: 'n', algorithm: 'MD5', qop: [], stale: false }, opts);
  assert.doesNotMatch(legacy, /qop|nc=|cnonce/);
  const legacyCreds = parseCredentials(legacy);
  assert.ok(legacyCreds);
  assert.equal(legacyCreds.response, computeResponse({ ...opts, algorithm: 'MD5', realm: 'r', nonce: 'n' }));
  assert.throws(() => buildAuthorization({ realm: 'r', nonce: 'n', algorithm: 'MD5', qop: ['auth'], stale: false },
    { ...opts, nc: 0 }), RangeError);
});

/** Challenge → parse → build → parse → verify. */
function roundTrip(algorithm: DigestAlgorithm, password: string, at = NOW, qop: ('auth' | 'auth-int')[] = ['auth']):
  DigestCredentials {
  const challenge = parseChallenge(createChallenge({ realm: 'agentline', algorithm, secret: SECRET, now: at, qop }));
  assert.ok(challenge);
  assert.equal(challenge.algorithm, algorithm);
  const creds = parseCredentials(buildAuthorization(challenge,
    { username: 'trunk1', password, method: 'INVITE', uri: 'sip:+15551234@gw', body: 'v=0\r\n' }));
  assert.ok(creds);
  return creds;
}

const verifyOpts = { realm: 'agentline', method: 'INVITE', secret: SECRET, now: NOW + 1000, password: 'pw', body: 'v=0\r\n' };

test('round trip: challenge → build → verify for every algorithm and qop', () => {
  for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const) {
    for (const qop of [['auth'], ['auth-int'], []] as const) {
      const creds = roundTrip(algorithm, 'pw', NOW, [...qop]);
      assert.deepEqual(verifyCredentials(creds, verifyOpts), { ok: true }, `${algorithm} ${qop.join()}`);
    }
  }
});

test('verify with a stored HA1 instead of the password', () => {
  const creds = roundTrip('SHA-256', 'pw');
  const { password: _p, ...rest } = verifyOpts;
  const ha1 = computeHa1('SHA-256', 'trunk1', 'agentline', 'pw');
  assert.deepEqual(verifyCredentials(creds, { ...rest, ha1 }), { ok: true });
  const md5Ha1 = computeHa1('MD5', 'trunk1', 'agentline', 'pw');
  assert.deepEqual(verifyCredentials(creds, { ...rest, ha1: md5Ha1 }), { ok: false, reason: 'bad_response' });
});

test('stale nonce: right password, expired nonce', () => {
  const creds = roundTrip('MD5', 'pw');
  assert.deepEqual(verifyCredentials(creds, { ...verifyOpts, now: NOW + 300_000 }), { ok: true });
  assert.deepEqual(verifyCredentials(creds, { ...verifyOpts, now: NOW + 300_001 }), { ok: false, reason: 'stale' });
  assert.deepEqual(verifyCredentials(creds, { ...verifyOpts, now: NOW + 5000, maxNonceAgeMs: 4000 }),
    { ok: false, reason: 'stale' });
  const wrong = roundTrip('MD5', 'nope');
  assert.deepEqual(verifyCredentials(wrong, { ...verifyOpts, now: NOW + 300_001 }), { ok: false, reason: 'bad_response' });
  assert.match(createChallenge({ realm: 'r', secret: SECRET, now: NOW, stale: true }), /, stale=TRUE$/);
});

test('wrong password, wrong method and tampered response fail with bad_response', () => {
  assert.deepEqual(verifyCredentials(roundTrip('SHA-256', 'wrong'), verifyOpts), { ok: false, reason: 'bad_response' });
  const creds = roundTrip('SHA-256', 'pw');
  assert.deepEqual(verifyCredentials(creds, { ...verifyOpts, method: 'REGISTER' }), { ok: false, reason: 'bad_response' });
  assert.deepEqual(verifyCredentials({ ...creds, response: creds.response.slice(0, -1) }, verifyOpts),
    { ok: false, reason: 'bad_response' });
  assert.deepEqual(verifyCredentials({ ...creds, response: creds.response.toUpperCase() }, verifyOpts), { ok: true });
  const intCreds = roundTrip('MD5', 'pw', NOW, ['auth-int']);
  assert.deepEqual(verifyCredentials(intCreds, { ...verifyOpts, body: 'v=1\r\n' }), { ok: false, reason: 'bad_response' });
});

test('tampered, foreign or downgraded nonce fails with bad_nonce', () => {
  const creds = roundTrip('SHA-256', 'pw');
  const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  for (const nonce of [flip(creds.nonce, 0), flip(creds.nonce, 20), flip(creds.nonce, creds.nonce.length - 1),
    creds.nonce.slice(1), `${creds.nonce}A`, 'dcd98b7102dd2f0e8b11d0f600bfb0c093', 'has space']) {
    assert.deepEqual(verifyCredentials({ ...creds, nonce }, verifyOpts), { ok: false, reason: 'bad_nonce' }, nonce);
  }
  assert.deepEqual(verifyCredentials(creds, { ...verifyOpts, secret: 'other' }), { ok: false, reason: 'bad_nonce' });
  // A SHA-256 nonce answered with MD5 (algorithm downgrade) is not accepted.
  const md5Response = computeResponse({ ...creds, algorithm: 'MD5', password: 'pw', method: 'INVITE' });
  assert.deepEqual(verifyCredentials({ ...creds, algorithm: 'MD5', response: md5Response }, verifyOpts),
    { ok: false, reason: 'bad_nonce' });
});

test('realm mismatch', () => {
  const creds = roundTrip('MD5', 'pw');
  assert.deepEqual(verifyCredentials(creds, { ...verifyOpts, realm: 'other' }), { ok: false, reason: 'realm_mismatch' });
});

test('createChallenge: defaults and unique nonces; formatChallenge round-trips', () => {
  const a = createChallenge({ realm: 'r', secret: SECRET, now: NOW });
  const b = createChallenge({ realm: 'r', secret: Buffer.from(SECRET), now: NOW });
  assert.match(a, /^Digest realm="r", nonce="[A-Za-z0-9_-]{64}", algorithm=MD5, qop="auth"$/);
  assert.notEqual(parseChallenge(a)?.nonce, parseChallenge(b)?.nonce);
  const none = parseChallenge(createChallenge({ realm: 'r', secret: SECRET, now: NOW, qop: [], opaque: 'o' }));
  assert.deepEqual(none?.qop, []);
  assert.equal(none?.opaque, 'o');
  const full = { realm: 'r', nonce: 'n', algorithm: 'SHA-256' as const, qop: ['auth' as const, 'auth-int' as const],
    stale: true, opaque: 'o', domain: 'sip:a sip:b' };
  assert.deepEqual(parseChallenge(formatChallenge(full)), full);
});
