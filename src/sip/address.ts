/**
 * name-addr / addr-spec values of From, To, Contact, Route, Record-Route, Refer-To and
 * P-Asserted-Identity (RFC 3261 §20.10, §25.1).
 */
import { SipParseError } from './errors.ts';
import { Params, isTokenChar, isWs, parseParamsToEnd, quote, skipQuoted, unquote } from './grammar.ts';
import { Uri, parseUri } from './uri.ts';

/** An address: optional display name, a URI and header parameters (`;tag=…`). */
export class NameAddr {
  /**
   * @param uri the address URI
   * @param displayName the display name, unquoted, or undefined
   * @param params header parameters, e.g. `tag`, `expires`
   * @param wildcard true for the Contact value `*`
   */
  constructor(
    public uri: Uri,
    public displayName: string | undefined = undefined,
    public params: Params = new Params(),
    public wildcard = false,
  ) {}

  /** The `tag` parameter, if any. */
  get tag(): string | undefined {
    return this.params.get('tag') || undefined;
  }

  /** A deep copy. */
  clone(): NameAddr {
    return new NameAddr(this.uri.clone(), this.displayName, this.params.clone(), this.wildcard);
  }

  /** Always written in name-addr form, which is unambiguous for any URI. */
  toString(): string {
    if (this.wildcard) return '*';
    const dn = this.displayName === undefined ? '' : `${displayNameText(this.displayName)} `;
    return `${dn}<${this.uri.toString()}>${this.params.toString()}`;
  }
}

/**
 * Tokens separated by single spaces may go unquoted (RFC 3261 §25.1 `*(token LWS)`); any
 * other name is quoted, since a reader collapses LWS between tokens ("a  b" would come back "a b").
 */
const TOKEN_WORDS = /^[A-Za-z0-9\-.!%*_+`'~]+(?: [A-Za-z0-9\-.!%*_+`'~]+)*$/;

function displayNameText(name: string): string {
  return TOKEN_WORDS.test(name) ? name : quote(name);
}

/**
 * Parses one name-addr or addr-spec element (the caller splits lists first).
 * RFC 3261 §20: an addr-spec whose URI holds a comma, `?` or `;` must be in angle
 * brackets, so in addr-spec form the URI ends at the first `;` and may not hold `?`.
 * @throws SipParseError with code `bad_header_value`
 */
export function parseNameAddr(value: string, allowWildcard = false): NameAddr {
  const s = value.trim();
  // RFC 3261 §10.2.2: `Contact: *`. '*' is not a host, so the placeholder URI is built, not parsed.
  if (s === '*' && allowWildcard) return new NameAddr(new Uri('sip', undefined, undefined, '*', undefined), undefined, new Params(), true);
  let i = 0;
  let displayName: string | undefined;
  if (s.charCodeAt(0) === 34) {
    const end = skipQuoted(s, 0);
    if (end < 0) throw new SipParseError('bad_header_value', 'unbalanced quote in display name');
    displayName = s.lastIndexOf('\\', end) > 0 ? unquote(s.slice(0, end)) : s.slice(1, end - 1);
    i = end;
    while (i < s.length && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 60) throw new SipParseError('bad_header_value', 'expected < after display name');
  } else {
    const lt = s.indexOf('<');
    if (lt > 0) displayName = readTokenDisplayName(s.slice(0, lt));
    if (lt >= 0) i = lt;
  }
  if (s.charCodeAt(i) === 60 /* < */) return parseBracketed(s, i, displayName);
  return parseAddrSpec(s);
}

/** Two LWS characters in a row, or a tab: the display name needs its runs folded to one space. */
const LWS_RUN = /[ \t]{2}|\t/;
const LWS_RUNS = /[ \t]+/g;

function readTokenDisplayName(text: string): string | undefined {
  // display-name = *(token LWS) / quoted-string (RFC 3261 §25.1); a comma here means
  // the sender forgot the quotes (RFC 4475 baddn).
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (!isTokenChar(c) && !isWs(c)) {
      throw new SipParseError('bad_header_value', 'display name needs quotes');
    }
  }
  let name = text.trim();
  if (LWS_RUN.test(name)) name = name.replace(LWS_RUNS, ' ');
  return name.length > 0 ? name : undefined;
}

function parseBracketed(s: string, lt: number, displayName: string | undefined): NameAddr {
  const gt = s.indexOf('>', lt);
  if (gt < 0) throw new SipParseError('bad_header_value', 'unbalanced angle bracket');
  const uriText = s.slice(lt + 1, gt);
  // No LWS inside the brackets (RFC 4475 badaspec).
  if (uriText.length === 0 || isWs(uriText.charCodeAt(0)) || isWs(uriText.charCodeAt(uriText.length - 1))) {
    throw new SipParseError('bad_header_value', 'whitespace inside angle brackets');
  }
  const uri = parseUri(uriText);
  return new NameAddr(uri, displayName, parseParamsToEnd(s, gt + 1));
}

function parseAddrSpec(s: string): NameAddr {
  const semi = s.indexOf(';');
  const uriText = semi >= 0 ? s.slice(0, semi) : s;
  if (uriText.indexOf('?') >= 0 || uriText.indexOf(',') >= 0) {
    throw new SipParseError('bad_header_value', 'URI with ? or , must be in angle brackets');
  }
  const uri = parseUri(uriText.trim());
  const params = semi >= 0 ? parseParamsToEnd(s, semi) : new Params();
  return new NameAddr(uri, undefined, params);
}
