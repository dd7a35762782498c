/** Decodes `data:[<mime>][;base64],<data>`; undefined when it is not a well-formed data URL. */
export function decodeDataUrl(value: string): { mime: string; bytes: Buffer } | undefined {
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(value);
  if (!m) return undefined;
  const mime = m[1]!.split(';')[0] || 'text/plain';
  if (m[2]) {
    const b64 = m[3]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) return undefined;
    return { mime, bytes: Buffer.from(b64, 'base64') };
  }
  try {
    return { mime, bytes: Buffer.from(decodeURIComponent(m[3]!), 'utf8') };
  } catch {
    return undefined;
  }
}
