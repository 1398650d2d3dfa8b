/**
 * Label and document bytes. `encodedLabel` is Base64 of the file: PDF/PNG bytes or ZPL/EPL text
 * (reference §3). The files are small but real: a PDF that opens, a PNG that decodes, ZPL/EPL a
 * printer accepts — so a client can store or forward them like real labels.
 */
import { deflateSync } from 'node:zlib';

export interface LabelFacts {
  trackingNumber: string;
  serviceName: string;
  shipDate: string;
  shipperName: string;
  recipientName: string;
  recipientLines: string[];
  references: string[];
  pieceLabel: string;
  title?: string;
}

export function renderDocument(docType: string, facts: LabelFacts): Buffer {
  switch (docType) {
    case 'PNG':
      return renderPng(facts);
    case 'ZPLII':
      return Buffer.from(renderZpl(facts), 'utf8');
    case 'EPL2':
      return Buffer.from(renderEpl(facts), 'utf8');
    default:
      return renderPdf(facts);
  }
}

function textLines(f: LabelFacts): string[] {
  return [
    f.title ?? f.serviceName,
    `TRK# ${f.trackingNumber}  ${f.pieceLabel}`,
    `SHIP DATE: ${f.shipDate}`,
    `FROM: ${f.shipperName}`,
    `TO: ${f.recipientName}`,
    ...f.recipientLines,
    ...f.references.map((r) => `REF: ${r}`),
  ];
}

function pdfEscape(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').replace(/([()\\])/g, '\\$1');
}

/** A one-page 4x6 in PDF with the label text, with a correct xref table. */
export function renderPdf(f: LabelFacts): Buffer {
  const lines = textLines(f);
  let content = 'BT /F1 12 Tf 14 TL 18 410 Td\n';
  lines.forEach((l, i) => {
    content += `${i === 0 ? '' : 'T* '}(${pdfEscape(l)}) Tj\n`;
  });
  content += 'ET\n';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function zplEscape(s: string): string {
  return s.replace(/[\^~]/g, ' ');
}

export function renderZpl(f: LabelFacts): string {
  const lines = textLines(f);
  let y = 40;
  let out = '^XA\n^CI28\n';
  for (const l of lines) {
    out += `^FO40,${y}^A0N,28,28^FD${zplEscape(l)}^FS\n`;
    y += 36;
  }
  out += `^FO60,${y + 20}^BY3^BCN,160,Y,N,N^FD${f.trackingNumber}^FS\n^PQ1\n^XZ\n`;
  return out;
}

export function renderEpl(f: LabelFacts): string {
  const lines = textLines(f);
  let y = 40;
  let out = '\nN\nq812\nQ1218,24\n';
  for (const l of lines) {
    out += `A40,${y},0,3,1,1,N,"${l.replace(/"/g, "'")}"\n`;
    y += 36;
  }
  out += `B60,${y + 20},0,1,3,7,160,B,"${f.trackingNumber}"\nP1\n`;
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([len, typeAndData, crc]);
}

/**
 * A 200x300 grayscale PNG: white with a barcode-like band derived from the tracking number, and
 * the label text in tEXt chunks (no font rendering needed for a valid, recognisable image).
 */
export function renderPng(f: LabelFacts): Buffer {
  const width = 200;
  const height = 300;
  const raw = Buffer.alloc((width + 1) * height, 0xff);
  const bars = f.trackingNumber.split('').map(Number);
  for (let y = 200; y < 260; y++) {
    raw[y * (width + 1)] = 0; // filter byte: none
    let x = 20;
    for (const d of bars) {
      const w = 2 + (d % 3);
      for (let i = 0; i < w && x < width - 20; i++, x++) raw[y * (width + 1) + 1 + x] = 0;
      x += 3;
    }
  }
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  const text = Buffer.from(
    `Description\0${textLines(f)
      .join(' | ')
      .replace(/[^\x20-\x7e|]/g, '?')}`,
    'latin1',
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('tEXt', text),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function mimeType(docType: string): string {
  switch (docType) {
    case 'PNG':
      return 'image/png';
    case 'ZPLII':
    case 'EPL2':
      return 'text/plain; charset=utf-8';
    default:
      return 'application/pdf';
  }
}
