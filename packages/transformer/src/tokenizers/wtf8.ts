/**
 * UTF-8 that also carries lone surrogates (WTF-8, https://simonsapin.github.io/wtf-8/), so
 * that every JavaScript string — including ones with unpaired UTF-16 surrogates — becomes
 * bytes and back unchanged. `TextEncoder` would replace a lone surrogate with U+FFFD.
 */

/** Appends the WTF-8 bytes of `text` to `out`. */
export function encodeWtf8(text: string, out: number[] = []): number[] {
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else
      out.push(
        0xf0 | (cp >> 18),
        0x80 | ((cp >> 12) & 63),
        0x80 | ((cp >> 6) & 63),
        0x80 | (cp & 63),
      );
  }
  return out;
}

/**
 * Decodes WTF-8 bytes. A 3-byte sequence for a surrogate becomes that lone surrogate (what
 * `encodeWtf8` writes). Bytes that are not a valid sequence — which only arbitrary token
 * sequences, e.g. a model's samples, can produce — become U+FFFD, one per maximal invalid
 * subpart, as `TextDecoder` does.
 */
export function decodeWtf8(bytes: ArrayLike<number>): string {
  const units: number[] = [];
  let text = '';
  const flush = () => {
    text += String.fromCharCode(...units);
    units.length = 0;
  };
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i];
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b0 < 0x80) {
      units.push(b0);
      i++;
      if (units.length > 4096) flush();
      continue;
    }
    if (b0 >= 0xc2 && b0 <= 0xdf) [need, cp, min] = [1, b0 & 0x1f, 0x80];
    else if (b0 >= 0xe0 && b0 <= 0xef) [need, cp, min] = [2, b0 & 0x0f, 0x800];
    else if (b0 >= 0xf0 && b0 <= 0xf4) [need, cp, min] = [3, b0 & 0x07, 0x10000];
    else {
      units.push(0xfffd);
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need && i + j < bytes.length; j++) {
      const b = bytes[i + j];
      if ((b & 0xc0) !== 0x80) break;
      const next = (cp << 6) | (b & 63);
      // Reject overlong forms and values past U+10FFFF as soon as the prefix shows them.
      if (j === 1 && ((need === 2 && next < 0x20) || (need === 3 && (next < 0x10 || next > 0x10f))))
        break;
      cp = next;
    }
    if (j <= need || cp < min) {
      units.push(0xfffd);
      i += Math.max(1, j);
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else units.push(cp);
    i += need + 1;
    if (units.length > 4096) flush();
  }
  flush();
  return text;
}
