/**
 * A strict, minimal XML reader for the documents X3 sends on every SOAP call (the answer
 * envelope), where fast-xml-parser cost about half a millisecond of CPU per answer. It reads
 * only plain well-formed XML: elements, attributes in quotes, text with the five XML entities and
 * character references, CDATA, comments and the XML declaration. Whatever else it meets (a
 * DOCTYPE, an HTML entity, a processing instruction, a tag left open or closed by another name,
 * a name an object property could clash with) makes it answer `undefined`, so its caller reads
 * the document with the general parser as before: this is a shortcut, never a second dialect.
 */

export interface XmlElement {
  /** Local name (namespace prefix removed). */
  name: string;
  /** Attributes by local name (each at most once), values decoded, in document order. */
  attributes: ReadonlyArray<readonly [string, string]>;
  children: XmlElement[];
  /** Text and CDATA directly inside, decoded and concatenated. */
  text: string;
}

// Names of one optional prefix and a local part; anything fancier goes to the general parser.
const START_TAG = /<([A-Za-z_][\w.-]*)(?::([A-Za-z_][\w.-]*))?/y;
const ATTRIBUTE = /\s+([A-Za-z_][\w.-]*)(?::([A-Za-z_][\w.-]*))?\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)')/y;
const TAG_END = /\s*(\/?)>/y;
const CLOSE_TAG = /<\/([A-Za-z_][\w.:-]*)\s*>/y;
const DECLARATION = /<\?xml(?:\s+[A-Za-z]+\s*=\s*(?:"[^"<>?]*"|'[^'<>?]*'))*\s*\?>/y;
const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A name the general parser refuses or renames (it builds objects keyed by element names). */
function unsafeName(name: string): boolean {
  return name in Object.prototype || name === 'prototype';
}

/** XML Char production (without NUL and the other controls the general parser treats apart). */
function plainChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Text with its references decoded; undefined for a `&` that is not one of the plain ones. */
function decode(raw: string): string | undefined {
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    ENTITY.lastIndex = amp;
    const m = ENTITY.exec(raw);
    if (!m) return undefined;
    let ch: string;
    if (m[1]) ch = NAMED[m[1]];
    else {
      const cp = m[2] ? Number.parseInt(m[2], 10) : Number.parseInt(m[3], 16);
      if (!plainChar(cp)) return undefined;
      ch = String.fromCodePoint(cp);
    }
    out += raw.slice(from, amp) + ch;
    from = ENTITY.lastIndex;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

function onlySpace(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x9 && c !== 0xa && c !== 0xd) return false;
  }
  return true;
}

interface Open {
  element: XmlElement;
  /** Qualified name as written, which the closing tag must repeat. */
  raw: string;
}

/** The document's root element, or undefined when the document is not plain XML (see above). */
export function scanXml(document: string): XmlElement | undefined {
  // line ends normalised first, as XML (and the general parser) read them: \r\n and \r are \n
  const xml = document.includes('\r') ? document.replace(/\r\n?/g, '\n') : document;
  let pos = 0;
  let root: XmlElement | undefined;
  const stack: Open[] = [];
  DECLARATION.lastIndex = 0;
  if (DECLARATION.exec(xml)) pos = DECLARATION.lastIndex;
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const end = lt < 0 ? xml.length : lt;
    if (end > pos) {
      const top = stack[stack.length - 1];
      if (!top) {
        if (!onlySpace(xml, pos, end)) return undefined;
      } else {
        const text = decode(xml.slice(pos, end));
        if (text === undefined) return undefined;
        top.element.text += text;
      }
    }
    if (lt < 0) break;
    const next = xml.charCodeAt(lt + 1);
    if (next === 0x2f /* / */) {
      CLOSE_TAG.lastIndex = lt;
      const m = CLOSE_TAG.exec(xml);
      const open = stack.pop();
      if (!m || !open || m[1] !== open.raw) return undefined;
      if (stack.length === 0) root = open.element;
      pos = CLOSE_TAG.lastIndex;
    } else if (next === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const close = xml.indexOf('-->', lt + 4);
        if (close < 0) return undefined;
        pos = close + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const top = stack[stack.length - 1];
        const close = xml.indexOf(']]>', lt + 9);
        if (!top || close < 0) return undefined;
        top.element.text += xml.slice(lt + 9, close);
        pos = close + 3;
      } else return undefined;
    } else {
      // a second root, or a processing instruction, goes to the general parser
      if (root) return undefined;
      START_TAG.lastIndex = lt;
      const m = START_TAG.exec(xml);
      if (!m) return undefined;
      const name = m[2] ?? m[1];
      if (m[2] !== undefined && m[1] === 'xmlns') return undefined;
      if (unsafeName(name)) return undefined;
      let at = START_TAG.lastIndex;
      const attributes: Array<readonly [string, string]> = [];
      for (;;) {
        ATTRIBUTE.lastIndex = at;
        const a = ATTRIBUTE.exec(xml);
        if (!a) break;
        at = ATTRIBUTE.lastIndex;
        // namespace declarations are not attributes of the document's data
        if (a[1] === 'xmlns' && a[2] === undefined) continue;
        if (a[2] !== undefined && a[1] === 'xmlns') continue;
        const attrName = a[2] ?? a[1];
        const value = decode(a[3] ?? a[4]);
        if (value === undefined) return undefined;
        if (attributes.some(([n]) => n === attrName)) return undefined;
        attributes.push([attrName, value]);
      }
      TAG_END.lastIndex = at;
      const e = TAG_END.exec(xml);
      if (!e) return undefined;
      pos = TAG_END.lastIndex;
      const element: XmlElement = { name, attributes, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.element.children.push(element);
      if (e[1]) {
        if (!parent) root = element;
      } else stack.push({ element, raw: m[2] === undefined ? m[1] : `${m[1]}:${m[2]}` });
    }
  }
  return stack.length === 0 ? root : undefined;
}

/** The attribute `name` of an element, or undefined. */
export function attributeOf(element: XmlElement, name: string): string | undefined {
  for (const [n, v] of element.attributes) if (n === name) return v;
  return undefined;
}
