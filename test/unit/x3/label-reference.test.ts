import { strict as assert } from 'assert';
import { labelReferenceOf, mapLabelPath } from '../../../nodes/x3/label-reference';

describe('x3 label reference', () => {
  const msg = {
    payload: {
      trackingNumber: '794600000001',
      labels: [
        { trackingNumber: '794600000001', format: 'ZPLII', data: 'Xg==' },
        {
          trackingNumber: '794600000002',
          format: 'ZPLII',
          ref: {
            path: 'SEED/salesDelivery/SD1/794600000002.zpl',
            sha256: 'x',
            size: 1,
            contentType: 'application/x-zpl',
          },
        },
      ],
    },
    fedex: { idempotencyKey: 'fedex.ship:sandbox:1:SEED:salesDelivery:SD1' },
  };

  it('maps the store path to the path X3 sees: UNC/Windows prefixes get backslashes', () => {
    assert.equal(mapLabelPath('A/B/c.zpl', ''), 'A/B/c.zpl');
    assert.equal(mapLabelPath('A/B/c.zpl', '/mnt/labels/'), '/mnt/labels/A/B/c.zpl');
    assert.equal(mapLabelPath('A/B/c.zpl', '\\\\fs01\\labels\\'), '\\\\fs01\\labels\\A\\B\\c.zpl');
    assert.equal(mapLabelPath('A/B/c.zpl', 'https://nr.example/labels'), 'https://nr.example/labels/A/B/c.zpl');
  });

  it('takes the first stored label; none stored (adopted shipment) gives undefined', () => {
    const ref = labelReferenceOf(msg, 'D:\\labels');
    assert.deepEqual(ref, {
      path: 'SEED/salesDelivery/SD1/794600000002.zpl',
      x3Path: 'D:\\labels\\SEED\\salesDelivery\\SD1\\794600000002.zpl',
      x3Dir: 'D:\\labels\\SEED\\salesDelivery\\SD1',
      trackingNumber: '794600000002',
      format: 'ZPLII',
      key: 'fedex.ship:sandbox:1:SEED:salesDelivery:SD1',
      downloadQuery: 'key=fedex.ship%3Asandbox%3A1%3ASEED%3AsalesDelivery%3ASD1&trackingNumber=794600000002',
    });
    assert.equal(labelReferenceOf({ payload: { labels: [{ trackingNumber: '1', format: 'PDF' }] } }, ''), undefined);
    assert.equal(labelReferenceOf({ payload: 'x' }, ''), undefined);
  });
});
