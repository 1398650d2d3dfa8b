import { strict as assert } from 'assert';
import { ApiError } from '../../../nodes/core/errors';
import { parseSoapAnswer, parseSoapAnswerGeneral, scanSoapAnswer } from '../../../nodes/x3/soap';
import { scanXml } from '../../../nodes/x3/xml-scan';
import { cdata, escapeXml, soapFault, soapResponse } from '../../../sim/x3/soap-xml';

const NASTY = `O'Brien & <Söhne> "Ltd" ]]> 中 \u{1F4E6} a]]b`;
const JSON_RESULT = JSON.stringify({
  SDH0_1: { SDHNUM: 'SD1', BPCORD: NASTY },
  SDH4_1: [{ ITMREF: 'P1', QTY: '2' }],
});
const XML_RESULT = `<?xml version="1.0"?><RESULT><GRP ID="SDH0_1"><FLD NAME="SDHNUM" TYPE="Char">SD1</FLD><FLD NAME="BPCORD" TYPE="Char">${escapeXml(NASTY)}</FLD></GRP></RESULT>`;

/** Answers of the shapes X3 sends: the simulator's, and the same written in other legal ways. */
function ordinaryAnswers(): Record<string, string> {
  const sim = (status: 0 | 1, msgs: Array<[1 | 2 | 3, string]>, result: string): string =>
    soapResponse(
      'modify',
      status,
      msgs.map(([type, message]) => ({ type, message })),
      result,
      3,
    );
  const plain = (inner: string, result = `<resultXml>${escapeXml(JSON_RESULT)}</resultXml>`): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">\n` +
    `  <SOAP-ENV:Header/>\n  <SOAP-ENV:Body>\n    <readResponse xmlns="http://www.adonix.com/WSS">\n      <readReturn>\n` +
    `${inner}\n        ${result}\n        <status xsi:type='xsd:int'> 1 </status>\n      </readReturn>\n    </readResponse>\n` +
    `  </SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n`;
  return {
    'json result': sim(1, [], JSON_RESULT),
    'xml result': sim(1, [], XML_RESULT),
    'result holding ]]>': sim(1, [], `{"A":{"X":"${']]>'.repeat(3)}"}}`),
    'empty result': sim(1, [], ''),
    'status 0 with messages': sim(
      0,
      [
        [3, `Customer ${NASTY} does not exist`],
        [2, 'Credit limit exceeded'],
        [1, 'info'],
      ],
      '',
    ),
    'licence refusal': sim(0, [[3, 'Licence: web service data volume limit reached for the period']], ''),
    'one warning and a result': sim(1, [[2, 'YTRACKNUM: field not modifiable, value ignored']], JSON_RESULT),
    'pretty printed, escaped result, default namespace': plain(
      '        <messages><messages><message>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</message><type>2</type></messages></messages>',
    ),
    'character references and comments': plain(
      '<!-- X3 --><messages><messages><type>3</type><message>&#233;t&#xE9; &#x1F4E6;<!-- x --></message></messages></messages>',
    ),
    'result in two CDATA sections with text around': plain(
      '',
      `<resultXml xsi:type="xsd:string">  <![CDATA[{"A":]]><![CDATA[{"B":"]]]]>"}}]]>  </resultXml>`,
    ),
    'Windows line ends': `<?xml version="1.0"?>\r\n<Envelope>\r\n<Body>\r<r>\r\n<rr>\r\n<messages><m><message>line1\r\nline2\r</message><type>1</type></m></messages>\r\n<status>1</status>\r\n<resultXml>a\r\nb\r<![CDATA[c\r\nd\re]]></resultXml></rr></r></Body></Envelope>\r\n`,
    'no messages element, no status': `<Envelope><Body><r><rr><resultXml>${cdata(JSON_RESULT)}</resultXml></rr></r></Body></Envelope>`,
    'empty messages with attributes': `<a:Envelope xmlns:a="x"><a:Body><r><rr><messages a:t="1" b='2'/><status>1</status><resultXml/></rr></r></a:Body></a:Envelope>`,
  };
}

/** Answers the scan must leave to the general reader. */
const UNUSUAL: Record<string, string> = {
  fault: soapFault('No Web services accepted'),
  'fault after the response':
    '<Envelope><Body><r><rr><status>1</status></rr></r><Fault><faultstring>boom</faultstring></Fault></Body></Envelope>',
  'html entity': '<Envelope><Body><r><rr><status>1</status><resultXml>&nbsp;</resultXml></rr></r></Body></Envelope>',
  'bare ampersand': '<Envelope><Body><r><rr><status>1</status><resultXml>a & b</resultXml></rr></r></Body></Envelope>',
  'closed by another name': '<Envelope><Body><r><rr><status>1</status></rr></r></Body></Envelop>',
  'left open': '<Envelope><Body><r><rr><status>1</status></rr></r></Body>',
  'second root': '<Envelope><Body><r><rr><status>1</status></rr></r></Body></Envelope><x/>',
  doctype: '<!DOCTYPE x [<!ENTITY e "1">]><Envelope><Body><r><rr><status>&e;</status></rr></r></Body></Envelope>',
  'processing instruction': '<Envelope><Body><?pi x?><r><rr><status>1</status></rr></r></Body></Envelope>',
  'repeated status': '<Envelope><Body><r><rr><status>1</status><status>1</status></rr></r></Body></Envelope>',
  'status with a child': '<Envelope><Body><r><rr><status>1<x/></status></rr></r></Body></Envelope>',
  'repeated response': '<Envelope><Body><r><rr><status>1</status></rr></r><r/></Body></Envelope>',
  'unwrapped message':
    '<Envelope><Body><r><rr><messages><message>m</message><type>3</type></messages><status>0</status></rr></r></Body></Envelope>',
  'mixed message items':
    '<Envelope><Body><r><rr><messages><a><message>m</message><type>3</type></a><b><message>n</message><type>3</type></b></messages></rr></r></Body></Envelope>',
  'unquoted attribute': '<Envelope><Body><r><rr><status t=1>1</status></rr></r></Body></Envelope>',
  'object property name': '<Envelope><Body><r><rr><constructor>1</constructor></rr></r></Body></Envelope>',
  'NUL reference': '<Envelope><Body><r><rr><status>1</status><resultXml>&#0;</resultXml></rr></r></Body></Envelope>',
  'not xml': 'Service Unavailable',
  html: '<html><body><h1>502 Bad Gateway</h1></body></html>',
};

function outcome(read: (body: string) => unknown, body: string): unknown {
  try {
    return { value: read(body) };
  } catch (err) {
    return { error: err instanceof ApiError ? `${err.code} ${err.message}` : String(err) };
  }
}

/** A small deterministic generator (mulberry32): the same mutants on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '\r',
  '\r\n',
  '<',
  '>',
  '&',
  '&amp;',
  '&#',
  ';',
  '/',
  '"',
  "'",
  ']]>',
  '<![CDATA[',
  '<!--',
  '-->',
  ' ',
  '\n',
  ':',
  '=',
];

function mutate(doc: string, rnd: () => number): string {
  const at = Math.floor(rnd() * doc.length);
  const len = 1 + Math.floor(rnd() * 12);
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return doc.slice(0, at) + doc.slice(at + len);
    case 1:
      return doc.slice(0, at) + PIECES[Math.floor(rnd() * PIECES.length)] + doc.slice(at);
    case 2:
      return doc.slice(0, at);
    case 3: {
      const from = Math.floor(rnd() * doc.length);
      return doc.slice(0, at) + doc.slice(from, from + len * 4) + doc.slice(at);
    }
    default: {
      // swap two tags' names: a closing tag by another name, a repeated element
      const names = [...doc.matchAll(/<\/?([\w:]+)/g)].map((m) => m[1]);
      const a = names[Math.floor(rnd() * names.length)] ?? 'x';
      const b = names[Math.floor(rnd() * names.length)] ?? 'y';
      return doc.replace(`<${a}`, `<${b}`);
    }
  }
}

describe('x3 SOAP answers read by the strict scan', () => {
  for (const [name, body] of Object.entries(ordinaryAnswers())) {
    it(`reads the ordinary answer "${name}" itself, as the general reader does`, () => {
      const scanned = scanSoapAnswer(body);
      assert.ok(scanned, 'the scan reads it (no fallback to the general reader)');
      assert.deepEqual(scanned, parseSoapAnswerGeneral(body));
    });
  }

  it('keeps the messages, texts and result of an answer exactly', () => {
    const body = ordinaryAnswers()['status 0 with messages'];
    assert.deepEqual(scanSoapAnswer(body), {
      status: 0,
      messages: [
        { type: 'error', text: `Customer ${NASTY} does not exist` },
        { type: 'warning', text: 'Credit limit exceeded' },
        { type: 'information', text: 'info' },
      ],
      result: '',
    });
    assert.equal(scanSoapAnswer(ordinaryAnswers()['json result'])?.result, JSON_RESULT);
    assert.equal(scanSoapAnswer(ordinaryAnswers()['xml result'])?.result, XML_RESULT);
  });

  for (const [name, body] of Object.entries(UNUSUAL)) {
    it(`leaves the unusual answer "${name}" to the general reader, with its outcome`, () => {
      assert.equal(scanSoapAnswer(body), undefined);
      assert.deepEqual(outcome(parseSoapAnswer, body), outcome(parseSoapAnswerGeneral, body));
    });
  }

  it('still turns faults and non-XML into the same errors', () => {
    assert.throws(() => parseSoapAnswer(UNUSUAL.fault), /X3 SOAP fault: No Web services accepted/);
    assert.throws(
      () => parseSoapAnswer(UNUSUAL.html),
      (e: unknown) => (e as ApiError).code === 'X3_BAD_RESPONSE',
    );
  });

  it('agrees with the general reader on thousands of damaged answers', () => {
    const rnd = random(19);
    const seeds = [...Object.values(ordinaryAnswers()), ...Object.values(UNUSUAL)];
    let scanned = 0;
    for (let i = 0; i < 1000; i++) {
      let doc = seeds[i % seeds.length];
      const rounds = 1 + Math.floor(rnd() * 3);
      for (let r = 0; r < rounds; r++) doc = mutate(doc, rnd);
      if (scanSoapAnswer(doc)) scanned += 1;
      assert.deepEqual(outcome(parseSoapAnswer, doc), outcome(parseSoapAnswerGeneral, doc), doc);
    }
    // the mutants the scan reads itself are compared too, not only its refusals
    assert.ok(scanned > 10, `only ${scanned} mutants read by the scan`);
  });

  it('scans plain XML into elements, attributes and text', () => {
    const root = scanXml(
      `<?xml version="1.0"?><a:R xmlns:a="u" a:x="1&amp;2"><B y='&lt;'>t<![CDATA[<c>]]>&#65;</B><C/></a:R>`,
    );
    assert.deepEqual(root, {
      name: 'R',
      attributes: [['x', '1&2']],
      text: '',
      children: [
        { name: 'B', attributes: [['y', '<']], text: 't<c>A', children: [] },
        { name: 'C', attributes: [], text: '', children: [] },
      ],
    });
  });
});
