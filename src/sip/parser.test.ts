/**
 * Valid messages (RFC 4475 §3.1.1): however odd, each must parse, with the values a
 * careful reader of RFC 3261 would get. Cases are our own, written from the RFC's text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOk, parseRequest, parseResponse, rawMessage, replaceHeader, requestLines } from './test-messages.ts';

describe('parseMessage: ordinary messages', () => {
  it('parses a request: method, URI, headers in order with their spelling, body', () => {
    const body = 'v=0\r\n';
    const msg = parseRequest(rawMessage([...requestLines(), 'Content-Type: application/sdp', 'Content-Length: 5'], body));
    assert.equal(msg.method, 'INVITE');
    assert.equal(msg.uri.user, '7001');
    assert.equal(msg.uri.host, 'gw.example.com');
    assert.deepEqual(msg.headers.map((h) => h.name), [
      'Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Content-Type', 'Content-Length',
    ]);
    assert.equal(msg.callId, 'a84b4c76e66710@cc.example.com');
    assert.deepEqual(msg.cseq, { seq: 314159, method: 'INVITE' });
    assert.equal(msg.from.tag, '1928301774');
    assert.equal(msg.from.displayName, 'Caller');
    assert.equal(msg.to.tag, undefined);
    assert.equal(msg.via.branch, 'z9hG4bK776asdhds');
    assert.equal(msg.contentType, 'application/sdp');
    assert.equal(msg.body.toString(), body);
  });

  it('keeps each spelling of a header name, also for names its cache of recent names has seen', () => {
    const spellings = ['X-Agent-Id', 'x-agent-id', 'X-AGENT-ID', 'X-Agent-Ie', 'X-Agent-Idd'];
    for (let round = 0; round < 2; round++) {
      const msg = parseRequest(rawMessage([...requestLines(), ...spellings.map((n, i) => `${n}: ${i}`)]));
      assert.deepEqual(msg.headers.slice(-5).map((h) => h.name), spellings);
      assert.deepEqual(msg.getAll('x-agent-id'), ['0', '1', '2']);
    }
  });

  it('parses a response with its reason phrase', () => {
    const lines = requestLines().slice(1);
    const msg = parseResponse(rawMessage(['SIP/2.0 180 Ringing', ...lines, 'Content-Length: 0']));
    assert.equal(msg.status, 180);
    assert.equal(msg.reason, 'Ringing');
    assert.equal(msg.body.length, 0);
  });

  it('accepts the version in any case (RFC 3261 §7.1)', () => {
    const lines = requestLines();
    lines[0] = 'INVITE sip:7001@gw.example.com sip/2.0';
    assert.equal(parseRequest(rawMessage(lines)).method, 'INVITE');
    assert.equal(parseResponse(rawMessage(['sip/2.0 200 OK', ...requestLines().slice(1)])).status, 200);
    assert.equal(parseResponse(rawMessage(['Sip/2.0 200 OK', ...requestLines().slice(1)])).status, 200);
  });

  it('ignores CRLFs before the start line (RFC 3261 §7.5)', () => {
    const buf = Buffer.concat([Buffer.from('\r\n\r\n\r\n'), rawMessage(requestLines('OPTIONS'))]);
    assert.equal(parseRequest(buf).method, 'OPTIONS');
  });

  it('tolerates bare LF line ends, and CRLF LF ending the head', () => {
    const lf = parseOk(Buffer.from(`${requestLines('MESSAGE').join('\n')}\nContent-Length: 2\n\nhi`));
    assert.equal(lf.callId, 'a84b4c76e66710@cc.example.com');
    assert.equal(lf.body.toString(), 'hi');
    const mixed = parseOk(Buffer.from(`${requestLines('MESSAGE').join('\r\n')}\r\nContent-Length: 2\r\n\nhi`));
    assert.equal(mixed.get('content-length'), '2');
    assert.equal(mixed.body.toString(), 'hi');
  });

  it('takes the rest of a datagram as the body when Content-Length is absent', () => {
    const msg = parseOk(rawMessage(requestLines('MESSAGE'), 'hello'));
    assert.equal(msg.body.toString(), 'hello');
  });

  it('discards datagram bytes after Content-Length (RFC 4475 dblreq)', () => {
    const msg = parseOk(rawMessage([...requestLines('MESSAGE'), 'Content-Length: 5'], 'hello, and some trailing junk'));
    assert.equal(msg.body.toString(), 'hello');
  });

  it('accepts a 2543-style request without Max-Forwards or magic cookie', () => {
    const lines = replaceHeader(replaceHeader(requestLines(), 'Max-Forwards'), 'Via', 'Via: SIP/2.0/UDP host.example.com');
    const msg = parseRequest(rawMessage(lines));
    assert.equal(msg.via.branch, undefined);
    assert.equal(msg.via.isRfc3261, false);
  });

  it('accepts Max-Forwards 0 and with leading zeros (RFC 4475 wsinv, zeromf)', () => {
    for (const mf of ['0', '0068', '255']) {
      const msg = parseRequest(rawMessage(replaceHeader(requestLines(), 'Max-Forwards', `Max-Forwards: ${mf}`)));
      assert.equal(Number(msg.get('max-forwards')), Number(mf));
    }
  });

  it('accepts the largest CSeq below 2**31 (RFC 3261 §8.1.1.5)', () => {
    const msg = parseRequest(rawMessage(replaceHeader(requestLines(), 'CSeq', `CSeq: ${2 ** 31 - 1} INVITE`)));
    assert.equal(msg.cseq.seq, 2 ** 31 - 1);
  });

  it('accepts a wildcard Contact on REGISTER (RFC 3261 §10.2.2)', () => {
    const lines = replaceHeader(requestLines('REGISTER', 'sip:gw.example.com'), 'Contact', 'Contact: *', 'Expires: 0');
    const msg = parseRequest(rawMessage(lines));
    assert.equal(msg.contacts.length, 1);
    assert.equal(msg.contacts[0]?.wildcard, true);
    assert.equal(msg.contacts[0]?.toString(), '*');
  });

  it('accepts a Date in GMT', () => {
    const lines = [...requestLines(), 'Date: Sat, 13 Nov 2010 23:29:00 GMT'];
    assert.equal(parseRequest(rawMessage(lines)).get('date'), 'Sat, 13 Nov 2010 23:29:00 GMT');
  });
});

describe('parseMessage: whitespace, folding and casing (RFC 4475 wsinv)', () => {
  const odd = [
    'OPTIONS sip:7001@gw.example.com;someparam SIP/2.0',
    'tO   :',
    ' sip:7001@gw.example.com  ;   tag   =   abc123',
    'FROM\t: "A \\"quoted\\" \\\\ name"    <sip:caller@cc.example.com>',
    '   ;',
    '  tag = xyz789',
    'mAx-FoRwArDs: 0070',
    'cAlL-iD: odd.1@192.0.2.1',
    'cseq: 0042',
    '   OPTIONS',
    'via  : SIP  /   2.0',
    '  /UDP',
    '      192.0.2.2;branch=z9hG4bKodd1',
    'Subject :',
    'X-Folded:   first part',
    ' second part',
    'X-Semicolons: ,;;,;,,;',
    'v:  SIP / 2.0 / TCP    relay.example.com   ;',
    '   branch   =   z9hG4bKodd2  ,',
    ' SIP  /  2.0  / UDP   192.0.2.3  ; branch=',
    ' z9hG4bKodd3',
    'm:"Say \\"\\"hi" <sip:caller@cc.example.com> ; newparam =',
    '     newvalue ;',
    '   secondparam ; q = 0.5',
    'Content-Length   :   0',
  ];
  const msg = parseRequest(rawMessage(odd));

  it('finds headers whatever their case, with space before the colon', () => {
    assert.equal(msg.callId, 'odd.1@192.0.2.1');
    assert.equal(msg.get('MAX-FORWARDS'), '0070');
    assert.equal(msg.headers[0]?.name, 'tO');
  });

  it('unfolds continuation lines into one value', () => {
    assert.equal(msg.get('x-folded'), 'first part second part');
    assert.deepEqual(msg.cseq, { seq: 42, method: 'OPTIONS' });
  });

  it('allows LWS around ";" and "=" in parameters', () => {
    assert.equal(msg.to.tag, 'abc123');
    assert.equal(msg.from.tag, 'xyz789');
    assert.equal(msg.contacts[0]?.params.get('newparam'), 'newvalue');
    assert.equal(msg.contacts[0]?.params.get('q'), '0.5');
    assert.equal(msg.contacts[0]?.params.has('secondparam'), true);
  });

  it('unescapes quoted-pairs in display names', () => {
    assert.equal(msg.from.displayName, 'A "quoted" \\ name');
    assert.equal(msg.contacts[0]?.displayName, 'Say ""hi');
  });

  it('reads Via with LWS around the slashes, folded and comma-joined', () => {
    assert.deepEqual(msg.vias.map((v) => [v.transport, v.host, v.branch]), [
      ['UDP', '192.0.2.2', 'z9hG4bKodd1'],
      ['TCP', 'relay.example.com', 'z9hG4bKodd2'],
      ['UDP', '192.0.2.3', 'z9hG4bKodd3'],
    ]);
  });

  it('keeps empty and odd unknown header values as written', () => {
    assert.equal(msg.get('subject'), '');
    assert.equal(msg.get('x-semicolons'), ',;;,;,,;');
  });

  it('keeps unknown Request-URI parameters', () => {
    assert.equal(msg.uri.params.has('someparam'), true);
  });
});

describe('parseMessage: compact forms (RFC 3261 §7.3.3)', () => {
  it('reads i, f, t, v, m, l, c, k, s as their long forms', () => {
    const lines = [
      'INVITE sip:7001@gw.example.com SIP/2.0',
      'v: SIP/2.0/UDP cc.example.com;branch=z9hG4bKc1',
      't: <sip:7001@gw.example.com>',
      'f: <sip:caller@cc.example.com>;tag=1',
      'i: compact@cc.example.com',
      'CSeq: 1 INVITE',
      'm: <sip:caller@cc.example.com>',
      'k: timer',
      's: hello',
      'c: application/sdp',
      'l: 5',
    ];
    const msg = parseRequest(rawMessage(lines, 'v=0\r\nignored'));
    assert.equal(msg.callId, 'compact@cc.example.com');
    assert.equal(msg.from.tag, '1');
    assert.equal(msg.to.uri.user, '7001');
    assert.equal(msg.via.branch, 'z9hG4bKc1');
    assert.equal(msg.contacts[0]?.uri.user, 'caller');
    assert.equal(msg.get('Supported'), 'timer');
    assert.equal(msg.get('Subject'), 'hello');
    assert.equal(msg.contentType, 'application/sdp');
    assert.equal(msg.body.toString(), 'v=0\r\n');
  });
});

describe('parseMessage: URIs (RFC 4475 esc01, escnull, semiuri, unkscm, unksm2, novelsc)', () => {
  it('accepts escaped characters in the Request-URI user part', () => {
    const msg = parseRequest(rawMessage(requestLines('INVITE', 'sip:sips%3Auser%40example.com@gw.example.com;custom=%41')));
    assert.equal(msg.uri.user, 'sips%3Auser%40example.com');
    assert.equal(msg.uri.userDecoded, 'sips:user@example.com');
    assert.equal(msg.uri.host, 'gw.example.com');
  });

  it('accepts an escaped NUL and escaped spaces', () => {
    const msg = parseRequest(rawMessage(requestLines('REGISTER', 'sip:gw.example.com')
      .map((l) => (l.startsWith('To:') ? 'To: sip:null-%00-null@gw.example.com' : l))));
    assert.equal(msg.to.uri.userDecoded, 'null-\u0000-null');
    const spaced = parseRequest(rawMessage(requestLines('INVITE', 'sip:a%20b@gw.example.com')));
    assert.equal(spaced.uri.userDecoded, 'a b');
  });

  it('accepts ";" and "?" in the user part of a Request-URI', () => {
    const msg = parseRequest(rawMessage(requestLines('OPTIONS', 'sip:user;par=u%40example.net@gw.example.com')));
    assert.equal(msg.uri.user, 'user;par=u%40example.net');
    assert.equal(msg.uri.params.list.length, 0);
  });

  it('keeps unknown schemes opaque, in the Request-URI and in headers', () => {
    const lines = replaceHeader(requestLines('OPTIONS', 'name:John_Smith'), 'Contact',
      'Contact: <soap.beep://192.0.2.103:3002>');
    const msg = parseRequest(rawMessage(replaceHeader(lines, 'To', 'To: <im:alice@example.org>')));
    assert.equal(msg.uri.scheme, 'name');
    assert.equal(msg.uri.opaque, 'John_Smith');
    assert.equal(msg.to.uri.scheme, 'im');
    assert.equal(msg.contacts[0]?.uri.scheme, 'soap.beep');
    assert.equal(msg.contacts[0]?.uri.toString(), 'soap.beep://192.0.2.103:3002');
  });

  it('accepts tel URIs', () => {
    const msg = parseRequest(rawMessage(replaceHeader(requestLines(), 'To', 'To: <tel:+1-415-555-0123>')));
    assert.equal(msg.to.uri.scheme, 'tel');
    assert.equal(msg.to.uri.user, '+1-415-555-0123');
  });

  it('accepts IPv6 references in the Request-URI, Via and Contact', () => {
    const lines = replaceHeader(requestLines('INVITE', 'sip:7001@[2001:db8::10]:5070'), 'Via',
      'Via: SIP/2.0/UDP [2001:db8::9:1]:5060;received=[2001:db8::9:255];branch=z9hG4bKv6');
    const msg = parseRequest(rawMessage(replaceHeader(lines, 'Contact', 'Contact: "v6" <sip:caller@[2001:db8::9:1]>')));
    assert.equal(msg.uri.host, '[2001:db8::10]');
    assert.equal(msg.uri.hostAddress, '2001:db8::10');
    assert.equal(msg.uri.port, 5070);
    assert.equal(msg.via.host, '[2001:db8::9:1]');
    assert.equal(msg.via.port, 5060);
    assert.equal(msg.via.params.get('received'), '[2001:db8::9:255]');
    assert.equal(msg.contacts[0]?.uri.hostAddress, '2001:db8::9:1');
  });

  it('reads ;lr and unknown parameters in Route', () => {
    const lines = [...requestLines(), 'Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr;unknownwith=value;unknown-no-value>'];
    const msg = parseRequest(rawMessage(lines));
    assert.equal(msg.routes.length, 2);
    assert.ok(msg.routes.every((r) => r.uri.params.has('lr')));
    assert.equal(msg.routes[1]?.uri.params.get('unknownwith'), 'value');
    assert.equal(msg.routes[1]?.uri.params.get('unknown-no-value'), '');
  });
});

describe('parseMessage: methods, Via lists and reason phrases', () => {
  it('accepts any token as a method (RFC 4475 intmeth)', () => {
    const method = '!odd-Method0123456789_*+`.%indeed\'~';
    const msg = parseRequest(rawMessage(requestLines(method)));
    assert.equal(msg.method, method);
    assert.equal(msg.cseq.method, method);
  });

  it('accepts the full range of token, escaped and quoted characters (RFC 4475 intmeth)', () => {
    const method = 'x~Odd.Method-1_*+`%!\'';
    const user = '2_strange.User~(but!valid)&so+is$/this?,/;;*';
    const password = '&pass=9,odd!*pa$s~_x.(yes-it)';
    const lines = [
      `${method} sip:${user}:${password}@gw.example.com SIP/2.0`,
      "Via: SIP/2.0/TCP h1.example.com;branch=z9hG4bK-.!%41*_+`'~",
      'To: "TAB:\\\t BEL:\\\u0007 NUL:\\\u0000 DEL:\\\u007f" <sip:2_strange.User~(but!valid)&so+is$/this?,/;;*@gw.example.com>',
      "From: tok~en1` tok'+_en2 t*%!.-3 <sip:plain@cc.example.com>;odd''~+*_!.-%=\"Ünïcödé ✓\";tag=_t~1'+`*%!-.",
      'Call-ID: odd.word%QQ-!.*_+\'@word`~)(><:\\/"][?}{',
      `CSeq: 77 ${method}`,
      "x-Extension-!.%*+_`'~: ☃ snow",
    ];
    const msg = parseRequest(rawMessage(lines));
    assert.equal(msg.method, method);
    assert.equal(msg.uri.user, user);
    assert.equal(msg.uri.password, password);
    assert.equal(msg.via.branch, "z9hG4bK-.!%41*_+`'~");
    assert.equal(msg.to.displayName, 'TAB:\t BEL:\u0007 NUL:\u0000 DEL:\u007f');
    assert.equal(msg.from.displayName, "tok~en1` tok'+_en2 t*%!.-3");
    assert.equal(msg.from.params.get("odd''~+*_!.-%"), '"Ünïcödé ✓"');
    assert.equal(msg.from.tag, "_t~1'+`*%!-.");
    assert.equal(msg.callId, 'odd.word%QQ-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.equal(msg.get("X-EXTENSION-!.%*+_`'~"), '☃ snow');
  });

  it('reads several Via lines and comma-joined Via values in order', () => {
    const lines = replaceHeader(requestLines(), 'Via',
      'Via: SIP/2.0/UDP first.example.com;branch=z9hG4bK1, SIP/2.0/TCP second.example.com:5061;branch=z9hG4bK2',
      'Via: SIP/2.0/SCTP third.example.com;branch=z9hG4bK3',
      'v: SIP/2.0/TLS-SCTP fourth.example.com;branch=z9hG4bK4');
    const msg = parseRequest(rawMessage(lines));
    assert.deepEqual(msg.vias.map((v) => v.transport), ['UDP', 'TCP', 'SCTP', 'TLS-SCTP']);
    assert.equal(msg.vias[1]?.port, 5061);
    assert.equal(msg.getAll('via').length, 4);
  });

  it('accepts many headers and long values below the limits (RFC 4475 longreq)', () => {
    const vias = Array.from({ length: 40 }, (_, i) => `Via: SIP/2.0/TCP h${i}.example.com;branch=z9hG4bK${i}`);
    const long = 'x'.repeat(4000);
    const lines = [...replaceHeader(requestLines(), 'Via', ...vias), `X-Long: ${long}`, `Subject: ${long}`];
    const msg = parseRequest(rawMessage(lines));
    assert.equal(msg.vias.length, 40);
    assert.equal(msg.get('x-long'), long);
  });

  it('accepts an empty reason phrase (RFC 4475 noreason)', () => {
    const msg = parseResponse(rawMessage(['SIP/2.0 100 ', ...requestLines().slice(1)]));
    assert.equal(msg.status, 100);
    assert.equal(msg.reason, '');
  });

  it('accepts UTF-8 in the reason phrase and in quoted display names', () => {
    const lines = replaceHeader(requestLines().slice(1), 'From', 'From: "Zoë Łukasiewicz 電話" <sip:z@cc.example.com>;tag=9');
    const msg = parseResponse(rawMessage(['SIP/2.0 200 Très bien — 很好', ...lines]));
    assert.equal(msg.reason, 'Très bien — 很好');
    assert.equal(msg.from.displayName, 'Zoë Łukasiewicz 電話');
  });

  it('collapses LWS in a token display name (RFC 4475 lwsdisp)', () => {
    const msg = parseRequest(rawMessage(replaceHeader(requestLines(), 'From',
      'From: caller   is\tHere <sip:caller@cc.example.com>;tag=1')));
    assert.equal(msg.from.displayName, 'caller is Here');
  });

  it('reads a multipart body by Content-Length, whatever it holds', () => {
    const body = '--b\r\nContent-Type: text/plain\r\n\r\n\r\n\r\nx\r\n--b--\r\n';
    const lines = [...requestLines('MESSAGE'), 'Content-Type: multipart/mixed;boundary=b', `Content-Length: ${body.length}`];
    assert.equal(parseOk(rawMessage(lines, body)).body.toString(), body);
  });
});
