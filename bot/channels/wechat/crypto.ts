// WeChat's signatures and safe mode (安全模式), with WebCrypto only, so the
// Worker runs it as Node does.
//
// - The server check and every plain message carry `signature` = SHA-1 hex of
//   the token, timestamp and nonce sorted as strings and joined.
// - In safe mode the body is `<Encrypt>` and `msg_signature` = SHA-1 of the
//   token, timestamp, nonce and the ciphertext, sorted and joined.
// - The ciphertext is AES-256-CBC, key = base64(EncodingAESKey + "="), IV =
//   the key's first 16 bytes, over 16 random bytes + the message's length (4
//   bytes, big-endian) + the message + the AppID, padded PKCS#7-style to a
//   multiple of 32 bytes (not WebCrypto's 16: see encrypt/decrypt).
const enc = new TextEncoder();
const dec = new TextDecoder();

export async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', enc.encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-1 of the parts sorted as strings and joined: WeChat's `signature` and `msg_signature`. */
export const signatureOf = (...parts: string[]) => sha1Hex([...parts].sort().join(''));

/** Equal hex strings without leaking where they differ. */
export function sameSignature(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** An EncodingAESKey is 43 characters of base64: 32 bytes once "=" is added. */
export function isAesKey(key: string): boolean {
  if (!/^[A-Za-z0-9+/]{43}$/.test(key)) return false;
  return base64ToBytes(`${key}=`).length === 32;
}

export class WechatCrypto {
  private readonly raw: Uint8Array;
  private readonly iv: Uint8Array;
  private key?: Promise<CryptoKey>;

  constructor(
    aesKey: string,
    private readonly appId: string,
  ) {
    if (!isAesKey(aesKey)) throw new Error('WECHAT_AES_KEY must be the 43-character EncodingAESKey');
    this.raw = base64ToBytes(`${aesKey}=`);
    this.iv = this.raw.slice(0, 16);
  }

  private cryptoKey() {
    return (this.key ??= crypto.subtle.importKey('raw', this.raw as BufferSource, { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']));
  }

  async encrypt(message: string, random: Uint8Array = crypto.getRandomValues(new Uint8Array(16))): Promise<string> {
    const body = enc.encode(message);
    const id = enc.encode(this.appId);
    const len = 16 + 4 + body.length + id.length;
    const pad = 32 - (len % 32);
    const plain = new Uint8Array(len + pad);
    plain.set(random.subarray(0, 16), 0);
    new DataView(plain.buffer).setUint32(16, body.length);
    plain.set(body, 20);
    plain.set(id, 20 + body.length);
    plain.fill(pad, len);
    // WebCrypto adds a block of its own padding: CBC's earlier blocks do not depend on it, so it is cut off.
    const out = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: this.iv as BufferSource }, await this.cryptoKey(), plain));
    return bytesToBase64(out.subarray(0, plain.length));
  }

  /** The message, or null when the ciphertext is not one (wrong key, cut short, another AppID). */
  async decrypt(b64: string): Promise<string | null> {
    let data: Uint8Array;
    try {
      data = base64ToBytes(b64.trim());
    } catch {
      return null;
    }
    if (data.length === 0 || data.length % 16 !== 0) return null;
    const key = await this.cryptoKey();
    // WebCrypto insists on its own 16-byte padding: add the block that decrypts
    // to sixteen 0x10 bytes after the last one (encrypting them with the last
    // block as IV), so WebCrypto's check passes and WeChat's padding is left to read.
    const last = data.subarray(data.length - 16);
    const extra = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: last as BufferSource }, key, new Uint8Array(16).fill(16))).subarray(0, 16);
    const joined = new Uint8Array(data.length + 16);
    joined.set(data);
    joined.set(extra, data.length);
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: this.iv as BufferSource }, key, joined));
    } catch {
      return null;
    }
    const pad = plain[plain.length - 1]!;
    if (pad < 1 || pad > 32 || plain.length < 20 + pad) return null;
    const content = plain.subarray(0, plain.length - pad);
    const len = new DataView(content.buffer, content.byteOffset).getUint32(16);
    if (20 + len > content.length) return null;
    const appId = dec.decode(content.subarray(20 + len));
    if (appId !== this.appId) return null;
    return dec.decode(content.subarray(20, 20 + len));
  }
}
