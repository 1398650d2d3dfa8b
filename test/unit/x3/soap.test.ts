import { strict as assert } from 'assert';
import { XMLParser } from 'fast-xml-parser';
import { ApiError } from '../../../nodes/core/errors';
import { EntityCatalogue } from '../../../nodes/x3/entities';
import {
  buildParamXml,
  buildRunInputXml,
  buildSoapEnvelope,
  isPoolBusy,
  parseSoapAnswer,
  recordFromSoapResult,
  recordsFromSoapQuery,
  soapFailure,
  soapFaultText,
} from '../../../nodes/x3/soap';

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  removeNSPrefix: true,
  htmlEntities: true,
});
const NASTY = `A<B> & "C" 'D' ]]> é 中 \u{1F4E6}`;

function answer(op: string, status: number, messages: Array<[string, number]>, result: string): string {
  const msgs = messages.map(([m, t]) => `<messages><message>${m}</message><type>${t}</type></messages>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wss="http://www.adonix.com/WSS">` +
    `<soapenv:Body><wss:${op}Response><${op}Return><messages>${msgs}</messages><resultXml><![CDATA[${result}]]></resultXml>` +
    `<status>${status}</status></${op}Return></wss:${op}Response></soapenv:Body></soapenv:Envelope>`
  );
}

describe('x3 SOAP documents', () => {
  const cat = new EntityCatalogue();
  const so = cat.get('salesOrder');

  it('builds the envelope with call context, keys and objectXml as escaped text that parses back exactly', () => {
    const xml = buildSoapEnvelope({
      operation: 'modify',
      context: { codeLang: 'ENG', poolAlias: 'SEED', poolId: '', requestConfig: 'adxwss.optreturn=JSON' },
      publicName: 'SDH',
      keys: [{ key: 'SDHNUM', value: NASTY }],
      objectXml: `<PARAM><GRP ID="SDH2_1"><FLD NAME="YTRACKNUM">x</FLD></GRP></PARAM>`,
    });
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?><soapenv:Envelope /);
    assert.doesNotMatch(xml, /<PARAM>/, 'objectXml travels as text, not as elements');
    const doc = parser.parse(xml);
    const op = doc.Envelope.Body.modify;
    assert.equal(op.callContext.poolAlias['#text'], 'SEED');
    assert.equal(op.callContext.codeLang['#text'], 'ENG');
    assert.equal(op.callContext.requestConfig['#text'], 'adxwss.optreturn=JSON');
    assert.equal(op.publicName['#text'], 'SDH');
    assert.equal(op.objectKeys.CAdxParamKeyValue.key['#text'], 'SDHNUM');
    assert.equal(op.objectKeys.CAdxParamKeyValue.value['#text'], NASTY);
    assert.equal(op.objectXml['#text'], `<PARAM><GRP ID="SDH2_1"><FLD NAME="YTRACKNUM">x</FLD></GRP></PARAM>`);
  });

  it('puts record fields in their publication groups, lists in LST, lines in a TAB, dates as YYYYMMDD', () => {
    const xml = buildParamXml(so, {
      SALFCY: 'FR011',
      BPCORD: 'C1',
      ORDDAT: '2025-02-01',
      CUSORDREF: NASTY,
      BPDADDLIG: ['1 <Main> St', 'Floor & 2'],
      STOFCY: 'FR012',
      lines: [
        { ITMREF: 'P1', QTY: 2 },
        { ITMREF: 'P&2', QTY: 1.5 },
      ],
    });
    const doc = new XMLParser({
      ignoreAttributes: false,
      parseTagValue: false,
      htmlEntities: true,
      isArray: (n) => ['GRP', 'FLD', 'LST', 'ITM', 'LIN'].includes(n),
    }).parse(xml);
    const groups = Object.fromEntries(
      doc.PARAM.GRP.map((g: Record<string, unknown>) => [
        g['@_ID'],
        [
          ...((g.FLD as Array<Record<string, string>>) ?? []).map((f) => [f['@_NAME'], f['#text']]),
          ...((g.LST as Array<Record<string, unknown>>) ?? []).map((l) => [l['@_NAME'], l.ITM]),
        ],
      ]),
    );
    assert.deepEqual(groups.SOH0_1, [
      ['SALFCY', 'FR011'],
      ['BPCORD', 'C1'],
      ['ORDDAT', '20250201'],
      ['CUSORDREF', NASTY],
    ]);
    assert.deepEqual(groups.SOH1_1, [['BPDADDLIG', ['1 <Main> St', 'Floor & 2']]]);
    assert.deepEqual(groups.SOH2_1, [['STOFCY', 'FR012']]);
    assert.equal(doc.PARAM.TAB['@_ID'], 'SOH4_1');
    assert.deepEqual(
      doc.PARAM.TAB.LIN.map((l: Record<string, unknown>) => [
        l['@_NUM'],
        (l.FLD as Array<Record<string, string>>).map((f) => `${f['@_NAME']}=${f['#text']}`),
      ]),
      [
        ['1', ['ITMREF=P1', 'QTY=2']],
        ['2', ['ITMREF=P&2', 'QTY=1.5']],
      ],
    );
  });

  it('refuses objects as field values, naming the field', () => {
    assert.throws(() => buildParamXml(so, { BPCORD: { code: 'C1' } }), /BPCORD/);
    assert.throws(() => buildParamXml(so, { lines: [{ ITMREF: { a: 1 } }] }), /SORDERQ\[0\]\.ITMREF/);
  });

  it('builds subprogram input groups', () => {
    assert.equal(
      buildRunInputXml('GRP1', { SDHNUM: 'SD1', YTRACKNUM: '1&2' }),
      '<PARAM><GRP ID="GRP1"><FLD NAME="SDHNUM">SD1</FLD><FLD NAME="YTRACKNUM">1&amp;2</FLD></GRP></PARAM>',
    );
  });

  it('reads status, typed messages and the result record (XML with types, and JSON) into the same record', () => {
    const resultXml =
      `<?xml version="1.0"?><RESULT><GRP ID="SOH0_1"><FLD NAME="SOHNUM" TYPE="Char">SO1</FLD><FLD NAME="CUSORDREF" TYPE="Char">${NASTY.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</FLD>` +
      `<FLD NAME="ORDDAT" TYPE="Date">20250201</FLD><FLD NAME="ORDSTA" TYPE="Integer" MENULAB="Open">1</FLD></GRP>` +
      `<GRP ID="SOH1_1"><LST NAME="BPDADDLIG" SIZE="3" TYPE="Char"><ITM>1 Main</ITM><ITM/><ITM/></LST></GRP>` +
      `<TAB ID="SOH4_1" DIM="200" SIZE="1"><LIN NUM="1"><FLD NAME="ITMREF" TYPE="Char">P1</FLD><FLD NAME="QTY" TYPE="Decimal">2.5</FLD></LIN></TAB></RESULT>`;
    const parsed = parseSoapAnswer(
      answer(
        'read',
        1,
        [
          ['Record read', 1],
          ['Check &amp; &lt;b&gt; &#233;', 2],
        ],
        resultXml,
      ),
    );
    assert.equal(parsed.status, 1);
    assert.deepEqual(parsed.messages, [
      { type: 'information', text: 'Record read' },
      { type: 'warning', text: 'Check & <b> é' },
    ]);
    const expected = {
      SOHNUM: 'SO1',
      CUSORDREF: NASTY,
      ORDDAT: '2025-02-01',
      ORDSTA: 1,
      BPDADDLIG: ['1 Main'],
      SORDERQ: [{ ITMREF: 'P1', QTY: 2.5 }],
    };
    assert.deepEqual(recordFromSoapResult(so, parsed.result), expected);
    const json = JSON.stringify({
      SOH0_1: { SOHNUM: 'SO1', CUSORDREF: NASTY, ORDDAT: '20250201', ORDSTA: '1' },
      SOH1_1: { BPDADDLIG: ['1 Main', '', ''] },
      SOH4_1: [{ ITMREF: 'P1', QTY: '2.5' }],
    });
    assert.deepEqual(recordFromSoapResult(so, json), expected);
  });

  it('reads query answers, one record per line', () => {
    const xml =
      '<RESULT><LIN NUM="1"><FLD NAME="SOHNUM">SO1</FLD></LIN><LIN NUM="2"><FLD NAME="SOHNUM">SO2</FLD></LIN></RESULT>';
    assert.deepEqual(recordsFromSoapQuery(so, xml), [{ SOHNUM: 'SO1' }, { SOHNUM: 'SO2' }]);
  });

  it('turns a status-0 answer into an ApiError carrying X3 errors and warnings with their text', () => {
    const parsed = parseSoapAnswer(
      answer(
        'save',
        0,
        [
          ['Customer C9 does not exist', 3],
          ['Credit limit exceeded', 2],
        ],
        '',
      ),
    );
    const err = soapFailure('save', 'SOH', parsed);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 'X3_ERROR');
    assert.equal(err.message, 'X3 save SOH: error: Customer C9 does not exist; warning: Credit limit exceeded');
    assert.equal(err.retryable, false);
  });

  it('recognises the licence volume refusal and the busy pool', () => {
    const licence = soapFailure(
      'read',
      'SDH',
      parseSoapAnswer(answer('read', 0, [['Licence: web service data volume limit reached for the period', 3]], '')),
    );
    assert.equal(licence.code, 'X3_WS_LICENCE_LIMIT');
    assert.equal(licence.retryable, true);
    assert.match(licence.message, /licence volume limit.*Licence: web service data volume limit reached/);
    const fault =
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>No Web services accepted</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>';
    assert.equal(isPoolBusy(500, fault), true);
    assert.equal(isPoolBusy(200, fault), false);
    assert.equal(isPoolBusy(500, '<Fault><faultstring>Pool not found</faultstring></Fault>'), false);
    assert.equal(soapFaultText(fault), 'No Web services accepted');
    assert.throws(() => parseSoapAnswer(fault), /X3 SOAP fault: No Web services accepted/);
  });
});
