/**
 * The built-in detectors of the guardrails middleware: each a named, bounded matcher over text, validated
 * by a checksum or a structural check where one exists (Luhn for cards, mod-97 and the country length for
 * IBANs, the excluded SSN ranges, `node:net`'s IPv6 parser, GitHub's CRC32 token checksum, a JWT header
 * that decodes to JSON).
 *
 * Own code rather than a library: the detectors must find matches inside free text (validator-style
 * libraries check one whole string), stay within the latency budget (all of them on 4 KB in well under
 * 100 µs), report the longest span they can match (the stream hold-back is computed from it), and add no
 * runtime dependency to a package whose optional features cost nothing when unused.
 *
 * @module
 */
import { isIPv6 } from 'node:net';
import { githubTokenChecksumValid, ibanValid, IBAN_LENGTHS, luhnValid } from './checksums.js';

/** Where a detector matched: `text.slice(start, end)`. @example `{ start: 6, end: 23 }` */
export interface DetectorMatch {
  start: number;
  end: number;
}

/**
 * A named matcher over text. Built-in detectors are picked by name; a custom one is an object of this shape.
 *
 * @example
 * ```ts
 * const employeeId: Detector = {
 *   name: 'employee-id',
 *   label: 'EMPLOYEE_ID',
 *   maxLength: 10,
 *   find: (text) => [...text.matchAll(/\bE-\d{6}\b/g)].map((m) => ({ start: m.index, end: m.index + m[0].length })),
 * };
 * ```
 */
export interface Detector {
  /** Names the detector in events and errors (`payment-card`). */
  readonly name: string;
  /** The placeholder type when redacting: `[EMAIL_1]`. Upper case letters, digits and `_`. */
  readonly label: string;
  /** The longest text a match can span, in characters (the stream hold-back is computed from it). */
  readonly maxLength: number;
  /**
   * For matches that can be longer than any sensible hold-back (a PEM block, a JWT): in a stream, once a
   * match reaches the end of the held text it is redacted at once, and what follows is dropped up to the
   * end of this pattern's first match (a zero-width pattern stops before it).
   */
  readonly streamEnd?: RegExp;
  /** Every match, in any order; overlapping matches of several detectors are resolved by the scanner. */
  find(text: string): DetectorMatch[];
}

/**
 * The built-in detectors' names.
 *
 * @example
 * ```ts
 * const names: BuiltInDetectorName[] = ['email', 'payment-card', 'iban'];
 * ```
 */
export type BuiltInDetectorName =
  | 'email'
  | 'phone'
  | 'payment-card'
  | 'iban'
  | 'us-ssn'
  | 'ipv4'
  | 'ipv6'
  | 'aws-access-key'
  | 'openai-key'
  | 'anthropic-key'
  | 'google-api-key'
  | 'github-token'
  | 'slack-token'
  | 'stripe-key'
  | 'jwt'
  | 'private-key'
  | 'prompt-injection';

function regexDetector(
  name: string,
  label: string,
  maxLength: number,
  pattern: RegExp,
  validate?: (match: string) => boolean,
  prefilter?: (text: string) => boolean,
): Detector {
  return {
    name,
    label,
    maxLength,
    find(text) {
      if (prefilter !== undefined && !prefilter(text)) return [];
      const matches: DetectorMatch[] = [];
      pattern.lastIndex = 0;
      for (let found = pattern.exec(text); found !== null; found = pattern.exec(text)) {
        if (found[0].length === 0) {
          pattern.lastIndex += 1;
          continue;
        }
        if (validate === undefined || validate(found[0]))
          matches.push({ start: found.index, end: found.index + found[0].length });
      }
      return matches;
    },
  };
}

// E-mail: a dot-atom local part (no leading, trailing or doubled dot) @ domain labels (no leading or
// trailing hyphen) and an alphabetic TLD. Found from each `@` outwards, so text without one costs a scan
// for `@` only.
const EMAIL_DOMAIN =
  /(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-]|\.[A-Za-z0-9])/y;

function isLocalCharacter(code: number): boolean {
  // A-Z a-z 0-9 . _ % + -
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 46 ||
    code === 95 ||
    code === 37 ||
    code === 43 ||
    code === 45
  );
}

const emailDetector: Detector = {
  name: 'email',
  label: 'EMAIL',
  maxLength: 254,
  find(text) {
    const matches: DetectorMatch[] = [];
    for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
      let start = at;
      while (start > 0 && at - start < 65 && isLocalCharacter(text.charCodeAt(start - 1))) start -= 1;
      if (start === at || at - start > 64 || (start > 0 && isLocalCharacter(text.charCodeAt(start - 1)))) continue;
      const local = text.slice(start, at);
      if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) continue;
      EMAIL_DOMAIN.lastIndex = at + 1;
      const domain = EMAIL_DOMAIN.exec(text);
      if (domain === null) continue;
      const end = at + 1 + domain[0].length;
      matches.push({ start, end });
      at = end - 1;
    }
    return matches;
  },
};

// Phone: E.164 with a `+` (8 to 15 digits, single separators, at most one parenthesised group), or a
// North American number written with separators ((NPA) NXX-XXXX, NPA-NXX-XXXX, +1 NPA NXX XXXX).
const INTERNATIONAL_PHONE = /\+(?<![\w+]\+)[1-9](?:[ .-]?\(?\d\)?){7,14}(?![\d(])/g;
const NANP_PHONE = /(?:\(([2-9]\d\d)\) ?|([2-9]\d\d)([ .-]))([2-9]\d\d)([ .-])(\d{4})(?![\w-]|\.\d)/g;
const NANP_PREFIX = /(?:\+?1[ .-]?)$/;

function internationalPhoneValid(match: string): boolean {
  let digits = 0;
  let open = 0;
  let close = 0;
  for (const character of match) {
    if (character >= '0' && character <= '9') digits += 1;
    else if (character === '(') open += 1;
    else if (character === ')') close += 1;
  }
  if (open !== close || open > 1) return false;
  if (open === 1 && match.indexOf('(') > match.indexOf(')')) return false;
  return digits >= 8 && digits <= 15;
}

const phoneDetector: Detector = {
  name: 'phone',
  label: 'PHONE',
  maxLength: 24,
  find(text) {
    const matches: DetectorMatch[] = [];
    if (text.includes('+')) {
      INTERNATIONAL_PHONE.lastIndex = 0;
      for (let found = INTERNATIONAL_PHONE.exec(text); found !== null; found = INTERNATIONAL_PHONE.exec(text)) {
        if (internationalPhoneValid(found[0])) matches.push({ start: found.index, end: found.index + found[0].length });
      }
    }
    NANP_PHONE.lastIndex = 0;
    for (let found = NANP_PHONE.exec(text); found !== null; found = NANP_PHONE.exec(text)) {
      const area = found[1] ?? found[2] ?? '';
      const exchange = found[4] ?? '';
      // Area codes N9X are reserved, N11 are service codes; exchanges N11 are service codes too.
      if (area[1] === '9' || area.endsWith('11') || exchange.endsWith('11')) continue;
      if (found[3] !== undefined && found[3] !== found[5]) continue; // 212-555.1234: mixed separators
      const end = found.index + found[0].length;
      // The country code, when written, belongs to the number; before it, no word or number character.
      const prefix = NANP_PREFIX.exec(text.slice(Math.max(0, found.index - 3), found.index));
      const start = found.index - (prefix?.[0].length ?? 0);
      if (start > 0 && /[\w+.-]/.test(text[start - 1] ?? '')) continue;
      if (matches.some((match) => match.start <= start && match.end >= end)) continue; // found as +1 ...
      matches.push({ start, end });
    }
    return matches;
  },
};

// Payment cards: 13 to 19 digits, optionally grouped by one kind of separator, a known issuer prefix for
// the length, and the Luhn check. A run followed by more digit groups (an expiry, a reference) is tried
// without its trailing groups.
const CARD = /\d(?<![\d.,-]\d)(?:[ -]?\d){12,22}(?!\d)/g;

function cardIssuerFits(digits: string): boolean {
  const length = digits.length;
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  if (digits[0] === '4') return length === 13 || length === 16 || length === 19; // Visa
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return length === 16; // Mastercard
  if (two === 34 || two === 37) return length === 15; // American Express
  if (four >= 2200 && four <= 2204) return length >= 16 && length <= 19; // Mir
  if (four === 6011 || two === 65 || (three >= 644 && three <= 649)) return length >= 16 && length <= 19; // Discover
  if (four >= 3528 && four <= 3589) return length >= 16 && length <= 19; // JCB
  if ((three >= 300 && three <= 305) || two === 36 || two === 38 || two === 39) return length >= 14 && length <= 19; // Diners
  if (two === 62) return length >= 16 && length <= 19; // UnionPay
  if (two === 50 || (two >= 56 && two <= 69)) return length >= 13 && length <= 19; // Maestro
  return false;
}

function cardDigitsValid(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  if (/^(\d)\1+$/.test(digits)) return false;
  return cardIssuerFits(digits) && luhnValid(digits);
}

/** The length of the longest valid card number at the start of `candidate`, or 0. */
function validCardLength(candidate: string): number {
  const separator = candidate.match(/[ -]/)?.[0];
  if (separator === undefined) return cardDigitsValid(candidate) ? candidate.length : 0;
  const groups = candidate.split(separator);
  if (groups.some((group) => !/^\d+$/.test(group))) return 0; // two kinds of separator
  for (let count = groups.length; count >= 2; count -= 1) {
    const kept = groups.slice(0, count);
    if (kept.some((group) => group.length < 3 || group.length > 6) && count > 1) continue;
    if (cardDigitsValid(kept.join(''))) return kept.join(separator).length;
  }
  return 0;
}

const cardDetector: Detector = {
  name: 'payment-card',
  label: 'CARD',
  maxLength: 23,
  find(text) {
    const matches: DetectorMatch[] = [];
    CARD.lastIndex = 0;
    for (let found = CARD.exec(text); found !== null; found = CARD.exec(text)) {
      const length = validCardLength(found[0]);
      if (length > 0) matches.push({ start: found.index, end: found.index + length });
    }
    return matches;
  },
};

// IBAN: a registered country code and two check digits, then exactly the country's length of
// alphanumerics (single spaces allowed between them), not followed by another alphanumeric, mod-97 valid.
const IBAN_START = /[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]\d\d/g;

const ibanDetector: Detector = {
  name: 'iban',
  label: 'IBAN',
  maxLength: 34 + 8,
  find(text) {
    const matches: DetectorMatch[] = [];
    IBAN_START.lastIndex = 0;
    for (let found = IBAN_START.exec(text); found !== null; found = IBAN_START.exec(text)) {
      const length = IBAN_LENGTHS[found[0].slice(0, 2)];
      if (length === undefined) continue;
      let compact = found[0];
      let index = found.index + 4;
      while (compact.length < length && index < text.length) {
        let character = text[index] ?? '';
        if (character === ' ') {
          index += 1;
          character = text[index] ?? '';
        }
        if (!/[A-Z0-9]/.test(character)) break;
        compact += character;
        index += 1;
      }
      if (compact.length !== length || /[A-Za-z0-9]/.test(text[index] ?? '')) continue;
      if (!ibanValid(compact)) continue;
      matches.push({ start: found.index, end: index });
      IBAN_START.lastIndex = index;
    }
    return matches;
  },
};

// US SSN: AAA-GG-SSSS (dashes or spaces, the same twice), without the never-issued ranges (area 000, 666
// and 900-999, group 00, serial 0000) and the numbers published in advertisements.
const SSN = /\d(?<![\d-]\d)\d\d([- ])\d\d\1\d{4}(?![\d-]|\.\d)/g;
const PUBLISHED_SSNS = new Set(['078051120', '219099999', '123456789']);

function ssnValid(match: string): boolean {
  const digits = match.replace(/\D/g, '');
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  return !PUBLISHED_SSNS.has(digits);
}

// IPv4: four decimal octets 0-255 without leading zeros, not part of a longer dotted number.
const IPV4 = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)/g;

// IPv6: a candidate of hex groups and colons (an IPv4 tail allowed), confirmed by node:net's parser, with
// at least two non-empty groups (`::1` and `a::` are left alone).
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?![\w:]|\.\w)/g;

function ipv6Valid(match: string): boolean {
  if (!isIPv6(match)) return false;
  let groups = 0;
  for (const group of match.split(':')) if (group.length > 0) groups += 1;
  return groups >= 2;
}

function jwtValid(match: string): boolean {
  const header = match.slice(0, match.indexOf('.'));
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null && typeof (decoded as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

interface InjectionPattern {
  readonly pattern: RegExp;
}

const PROMPT_INJECTION_PATTERNS: readonly InjectionPattern[] = [
  {
    // "Ignore all previous instructions", "disregard the above rules", "forget your prior prompt".
    pattern:
      /\b(?:ignore|disregard|forget|override|skip)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+|these\s+)?(?:previous|prior|above|earlier|preceding|initial|original|system)\s+(?:instructions?|prompts?|rules|directions|directives|guidelines|messages)\b/iy,
  },
  {
    // "Reveal your system prompt", "print the hidden instructions".
    pattern:
      /\b(?:reveal|show|print|repeat|output|display|leak|tell\s+me)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|(?:initial|hidden|secret|original)\s+(?:prompt|instructions)|instructions\s+above)\b/iy,
  },
  {
    // "You are now DAN", "you are now in developer mode", "you are now an unrestricted AI".
    pattern:
      /\byou\s+are\s+now\s+(?:DAN\b|in\s+developer\s+mode|an?\s+(?:unrestricted|unfiltered|uncensored|jailbroken)\b|jailbroken|free\s+(?:of|from)\s+(?:all\s+)?(?:restrictions|rules))/iy,
  },
  {
    // "Do anything now", "developer mode enabled", "jailbreak mode".
    pattern: /\b(?:do\s+anything\s+now|developer\s+mode\s+(?:enabled|on)|jailbreak\s+mode)\b/iy,
  },
  {
    // "Pretend you are an AI without restrictions", "act as if you have no filters".
    pattern:
      /\b(?:pretend|act|behave)\s+(?:as\s+if\s+|that\s+|to\s+be\s+|as\s+)?(?:you\s+(?:are|were|have)\s+)?[^.\n]{0,40}?\b(?:without|no)\s+(?:any\s+)?(?:restrictions|filters|guidelines|rules|limits|limitations|censorship)\b/iy,
  },
  {
    // "Bypass your safety filters", "disable the content policy".
    pattern:
      /\b(?:bypass|disable|circumvent|turn\s+off)\s+(?:your|the|all|any)\s+(?:safety|content|moderation)\s+(?:filters?|guidelines|polic(?:y|ies)|restrictions|settings)\b/iy,
  },
  {
    // Role or template markers pasted into user text: "<|im_start|>system", "[INST]", "<system>", "### System:".
    pattern:
      /<\|im_(?:start|end)\|>|\[\/?INST\]|<\/?system>|^#{1,3}\s*system\s*:|\bnew\s+system\s+(?:prompt|instructions?)\s*:/imy,
  },
];

// Where a pattern can begin: its first word or marker. The patterns are tried (sticky) at these only.
const INJECTION_TRIGGER =
  /\b(?:ignore|disregard|forget|override|skip|reveal|show|print|repeat|output|display|leak|tell|you|do|developer|jailbreak|pretend|act|behave|bypass|disable|circumvent|turn|new)\b|<\|im_|\[\/?INST\]|<\/?system>|^#/gim;

const promptInjectionDetector: Detector = {
  name: 'prompt-injection',
  label: 'PROMPT_INJECTION',
  maxLength: 200,
  find(text) {
    const matches: DetectorMatch[] = [];
    INJECTION_TRIGGER.lastIndex = 0;
    for (let trigger = INJECTION_TRIGGER.exec(text); trigger !== null; trigger = INJECTION_TRIGGER.exec(text)) {
      for (const { pattern } of PROMPT_INJECTION_PATTERNS) {
        pattern.lastIndex = trigger.index;
        const found = pattern.exec(text);
        if (found === null || found[0].length === 0) continue;
        matches.push({ start: found.index, end: found.index + found[0].length });
        INJECTION_TRIGGER.lastIndex = found.index + found[0].length;
        break;
      }
    }
    return matches;
  },
};

const privateKeyDetector: Detector = {
  ...regexDetector(
    'private-key',
    'PRIVATE_KEY',
    8192,
    // A PEM private key block, or its opening without an end yet (what follows a BEGIN line is the key).
    /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END \1PRIVATE KEY\2-----|$)/g,
    undefined,
    (text) => text.includes('PRIVATE KEY'),
  ),
  streamEnd: /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/,
};

const jwtDetector: Detector = {
  ...regexDetector(
    'jwt',
    'JWT',
    4096,
    // header.payload[.signature], both base64url JSON objects (`eyJ` is `{"`); the header must name its `alg`.
    /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?/g,
    jwtValid,
    (text) => text.includes('.eyJ'),
  ),
  streamEnd: /(?=[^A-Za-z0-9_.-])/,
};

const BUILT_IN: Record<BuiltInDetectorName, Detector> = {
  email: emailDetector,
  phone: phoneDetector,
  'payment-card': cardDetector,
  iban: ibanDetector,
  'us-ssn': regexDetector('us-ssn', 'SSN', 11, SSN, ssnValid),
  ipv4: regexDetector('ipv4', 'IPV4', 15, IPV4, undefined, (text) => text.includes('.')),
  ipv6: regexDetector('ipv6', 'IPV6', 45, IPV6, ipv6Valid, (text) => text.includes(':')),
  // AWS access key ids: a documented four-letter prefix and 16 base-32 characters (20 in all).
  'aws-access-key': regexDetector(
    'aws-access-key',
    'AWS_ACCESS_KEY',
    20,
    /A(?<![A-Za-z0-9]A)(?:KIA|SIA|BIA|CCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g,
  ),
  // OpenAI keys: sk-, sk-proj-, sk-svcacct- or sk-admin-, with the `T3BlbkFJ` marker (base64 of "OpenAI").
  'openai-key': regexDetector(
    'openai-key',
    'OPENAI_KEY',
    200,
    /(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,96}T3BlbkFJ[A-Za-z0-9_-]{20,96}(?![A-Za-z0-9_-])/g,
    undefined,
    (text) => text.includes('T3BlbkFJ'),
  ),
  // Anthropic keys: sk-ant-api03- / sk-ant-admin01- and 93 characters ending in `AA` (108 or 110 in all).
  'anthropic-key': regexDetector(
    'anthropic-key',
    'ANTHROPIC_KEY',
    110,
    /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{93}AA(?![A-Za-z0-9_-])/g,
    undefined,
    (text) => text.includes('-ant-'),
  ),
  // Google API keys: `AIza` and 35 characters.
  'google-api-key': regexDetector(
    'google-api-key',
    'GOOGLE_API_KEY',
    39,
    /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
    undefined,
    (text) => text.includes('AIza'),
  ),
  // GitHub: classic tokens (gh[pousr]_ + 30 characters + a CRC32 checksum) and fine-grained `github_pat_`.
  'github-token': regexDetector(
    'github-token',
    'GITHUB_TOKEN',
    93,
    /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/g,
    (match) => match.startsWith('github_pat_') || githubTokenChecksumValid(match),
    (text) => text.includes('_'),
  ),
  // Slack: bot and user tokens (xoxb-, xoxp-), other xox tokens, app-level tokens (xapp-), webhook URLs.
  'slack-token': regexDetector(
    'slack-token',
    'SLACK_TOKEN',
    160,
    /(?<![A-Za-z0-9-])(?:xox[bp]-\d{8,13}-\d{8,13}(?:-\d{8,13})?-[A-Za-z0-9]{24,34}|xox[aors]-\d{1,13}-[0-9A-Za-z-]{10,100}|xapp-\d-[A-Z0-9]{9,12}-\d{10,13}-[a-f0-9]{64})(?![A-Za-z0-9-])|https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24}/g,
    undefined,
    (text) => text.includes('xox') || text.includes('xapp-') || text.includes('.slack.'),
  ),
  // Stripe secret and restricted keys (publishable `pk_` keys are public and left alone).
  'stripe-key': regexDetector(
    'stripe-key',
    'STRIPE_KEY',
    256,
    /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,247}(?![A-Za-z0-9_])/g,
    undefined,
    (text) => text.includes('_live_') || text.includes('_test_'),
  ),
  jwt: jwtDetector,
  'private-key': privateKeyDetector,
  'prompt-injection': promptInjectionDetector,
};

/** The PII detectors (`pii` in a guardrail's `detectors`). */
export const PII_DETECTORS: readonly BuiltInDetectorName[] = [
  'email',
  'phone',
  'payment-card',
  'iban',
  'us-ssn',
  'ipv4',
  'ipv6',
];

/** The secret detectors (`secrets` in a guardrail's `detectors`). */
export const SECRET_DETECTORS: readonly BuiltInDetectorName[] = [
  'aws-access-key',
  'openai-key',
  'anthropic-key',
  'google-api-key',
  'github-token',
  'slack-token',
  'stripe-key',
  'jwt',
  'private-key',
];

/**
 * A built-in detector by name.
 *
 * @example
 * ```ts
 * builtInDetector('payment-card').find('card 4111 1111 1111 1111'); // [{ start: 5, end: 24 }]
 * ```
 */
export function builtInDetector(name: BuiltInDetectorName): Detector {
  return BUILT_IN[name];
}

/**
 * Whether a name is a built-in detector's.
 *
 * @example
 * ```ts
 * isBuiltInDetectorName('iban'); // true
 * ```
 */
export function isBuiltInDetectorName(name: string): name is BuiltInDetectorName {
  return Object.hasOwn(BUILT_IN, name);
}
