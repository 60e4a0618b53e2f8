// A local stand-in for Aliyun's SendSms on 127.0.0.1: checks the signature
// as Aliyun would (the same secret), records every message, answers a BizId,
// and can be told to answer the rate limit (isv.BUSINESS_LIMIT_CONTROL) next.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signParams } from './aliyun.js';

export interface FakeSmsCall {
  phone: string;
  templateCode: string;
  params: Record<string, string>;
  outId: string;
  bizId: string | null;
  code: string;
}

export interface FakeSms {
  url: string;
  accessKeyId: string;
  accessKeySecret: string;
  calls: FakeSmsCall[];
  /** Accepted messages to this phone. */
  sent: (phone: string) => FakeSmsCall[];
  failNext: (...codes: string[]) => void;
  close: () => Promise<void>;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let d = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (d += c));
    req.on('end', () => resolve(d));
  });

export async function startFakeSms(opts: { accessKeyId?: string; accessKeySecret?: string } = {}): Promise<FakeSms> {
  const accessKeyId = opts.accessKeyId ?? 'LTAI-test-key';
  const accessKeySecret = opts.accessKeySecret ?? 'sms-test-secret-0123456789';
  const calls: FakeSmsCall[] = [];
  const failures: string[] = [];
  let biz = 0;
  const server = createServer(async (req, res) => {
    const params = Object.fromEntries(new URLSearchParams(await read(req)));
    const answer = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ RequestId: `req-${calls.length}`, ...body }));
    };
    const { Signature, ...rest } = params;
    if (params.AccessKeyId !== accessKeyId) return answer(404, { Code: 'InvalidAccessKeyId.NotFound', Message: 'Specified access key is not found.' });
    if (!Signature || Signature !== (await signParams(rest, accessKeySecret))) return answer(400, { Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.' });
    if (params.Action !== 'SendSms' || !/^1\d{10}$/.test(params.PhoneNumbers ?? '')) return answer(200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' });
    const call: FakeSmsCall = {
      phone: params.PhoneNumbers!,
      templateCode: params.TemplateCode ?? '',
      params: JSON.parse(params.TemplateParam ?? '{}') as Record<string, string>,
      outId: params.OutId ?? '',
      bizId: null,
      code: failures.shift() ?? 'OK',
    };
    calls.push(call);
    if (call.code !== 'OK') return answer(200, { Code: call.code, Message: 'fake refusal' });
    call.bizId = `biz-${++biz}`;
    return answer(200, { Code: 'OK', Message: 'OK', BizId: call.bizId });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accessKeyId,
    accessKeySecret,
    calls,
    sent: (phone) => calls.filter((c) => c.phone === phone && c.code === 'OK'),
    failNext: (...codes) => void failures.push(...codes),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
