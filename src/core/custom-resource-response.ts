// Shared by the custom-resource handlers (bundled into each by esbuild): the event shape and the response upload to
// CloudFormation's pre-signed URL, so that a handler needs no provider framework (and no extra Lambda functions).
import * as http from 'http';
import * as https from 'https';
import { URL } from 'url';

/** CloudFormation custom-resource event (the fields the handlers use). */
export interface CustomResourceEvent<P> {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: P & { readonly ServiceToken?: string };
  readonly OldResourceProperties?: P;
}

/**
 * Sends the result to CloudFormation. `NoEcho` keeps `data` out of `describe-stack-resource` output; `reason` must
 * not contain secrets.
 */
export async function sendResponse<P>(event: CustomResourceEvent<P>, status: 'SUCCESS' | 'FAILED', physicalId: string,
  reason?: string, data?: { [key: string]: string }): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: (reason ?? 'see the CloudWatch log stream of the function').slice(0, 3000),
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: true,
    Data: data ?? {},
  });
  const url = new URL(event.ResponseURL);
  const transport = url.protocol === 'http:' ? http : https;
  await new Promise<void>((resolve, reject) => {
    const req = transport.request({
      hostname: url.hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      timeout: 10_000,
    }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`response upload: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('response upload timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
