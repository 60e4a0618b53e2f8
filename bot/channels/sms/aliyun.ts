// The SMS provider: Aliyun's 短信服务 (Dysmsapi 2017-05-25) SendSms, signed
// as its RPC API wants (signature version 1.0): the parameters sorted by
// name, each percent-encoded (RFC 3986, space as %20, ~ kept), joined into
// the canonical query; StringToSign = "POST&%2F&" + encode(canonical query);
// Signature = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)).
// A message is a template code and its parameters; the provider holds the
// template's text (registered with the signature name).
import type { Clock } from '../../../src/context.js';

export interface SmsSend {
  phone: string;
  templateCode: string;
  params: Record<string, string>;
  /** Our id, echoed in receipts (OutId). */
  outId: string;
}

/** What the sender does with a refusal. */
export type SmsFailure =
  /** isv.BUSINESS_LIMIT_CONTROL / Throttling: the provider's rate limits, wait. */
  | { kind: 'rate_limited'; code: string }
  /** isv.MOBILE_NUMBER_ILLEGAL, isv.BLACK_KEY_CONTROL_LIMIT …: never to this number. */
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'transient'; message: string };

export class SmsError extends Error {
  constructor(readonly failure: SmsFailure) {
    super('code' in failure ? `sms ${failure.code}` : failure.message);
  }
}

export interface SmsProvider {
  send(m: SmsSend): Promise<{ bizId: string }>;
}

export const percentEncode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export async function hmacSha1Base64(secret: string, text: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(text)));
  return btoa(String.fromCharCode(...sig));
}

/** The signature of a parameter set (without Signature) for a POST. */
export async function signParams(params: Record<string, string>, secret: string): Promise<string> {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join('&');
  return hmacSha1Base64(`${secret}&`, `POST&${percentEncode('/')}&${percentEncode(canonical)}`);
}

export function aliyunSms(cfg: { accessKeyId: string; accessKeySecret: string; signName: string; root: string; clock: Clock }): SmsProvider {
  return {
    async send(m) {
      const params: Record<string, string> = {
        AccessKeyId: cfg.accessKeyId,
        Action: 'SendSms',
        Format: 'JSON',
        OutId: m.outId,
        PhoneNumbers: m.phone,
        RegionId: 'cn-hangzhou',
        SignName: cfg.signName,
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: crypto.randomUUID(),
        SignatureVersion: '1.0',
        TemplateCode: m.templateCode,
        TemplateParam: JSON.stringify(m.params),
        Timestamp: cfg.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        Version: '2017-05-25',
      };
      params.Signature = await signParams(params, cfg.accessKeySecret);
      let res: Response;
      try {
        res = await fetch(`${cfg.root}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Object.entries(params).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&'),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        throw new SmsError({ kind: 'transient', message: err instanceof Error ? err.message : String(err) });
      }
      let body: Record<string, unknown> = {};
      try {
        body = (await res.json()) as Record<string, unknown>;
      } catch {
        throw new SmsError({ kind: 'transient', message: `HTTP ${res.status}, not JSON` });
      }
      const code = String(body.Code ?? '');
      if (code === 'OK') return { bizId: String(body.BizId ?? '') };
      if (code === 'isv.BUSINESS_LIMIT_CONTROL' || code.startsWith('Throttling')) throw new SmsError({ kind: 'rate_limited', code });
      if (res.status >= 500 || code === 'isp.SYSTEM_ERROR' || code === 'ServiceUnavailable') throw new SmsError({ kind: 'transient', message: `${res.status} ${code}` });
      throw new SmsError({ kind: 'refused', code, message: `${code} ${String(body.Message ?? '')}` });
    },
  };
}
