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

/** Structured log line (JSON on stdout in Lambda). */
export type Log = (entry: { [key: string]: unknown }) => void;

/** JSON lines on stdout. */
export const defaultLog: Log = (entry) => console.log(JSON.stringify(entry));

/** The part of the Lambda context the handlers use. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/** What a handler's work gives back. */
export interface HandlerResult {
  readonly physicalId: string;
  readonly data: { [key: string]: string };
}

/** What every handler's `respond` receives besides its own dependencies. */
export interface RespondDeps {
  readonly log?: Log;
  /** Aborts the work (tests). */
  readonly signal?: AbortSignal;
  /** Time left for the work (defaults to the Lambda context's). */
  readonly remainingTimeMs?: () => number;
}

/**
 * Runs a handler's work and reports the outcome to CloudFormation: SUCCESS with the physical id and data, or FAILED
 * with the (secret-free) error message. With a Lambda context, FAILED is sent 5 s before the function would time out
 * (a silent time-out would leave the stack waiting for an hour) and the work is aborted through its signal.
 */
export async function respondWithin<P>(
  event: CustomResourceEvent<P>,
  what: string,
  outOfTime: string,
  deps: RespondDeps,
  context: LambdaContextLike | undefined,
  work: (signal: AbortSignal, remainingTimeMs: (() => number) | undefined) => Promise<HandlerResult>,
): Promise<void> {
  const log = deps.log ?? defaultLog;
  const fallbackId = event.PhysicalResourceId ?? `${event.LogicalResourceId}-failed`;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    const remainingTimeMs = deps.remainingTimeMs ?? (context ? () => context.getRemainingTimeInMillis() : undefined);
    const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
    const running = work(signal, remainingTimeMs);
    running.catch(() => undefined); // handled below; avoids an unhandled rejection after the time-out race
    const budgetMs = context ? context.getRemainingTimeInMillis() - 5_000 : undefined;
    // The race guarantees an answer even if a step ignores the signal; the signal stops the remaining work.
    const result = budgetMs === undefined ? await running : await Promise.race([
      running,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const reason = new Error(outOfTime);
          controller.abort(reason);
          reject(reason);
        }, Math.max(0, budgetMs));
      }),
    ]);
    log({ level: 'info', msg: `${what} done`, requestType: event.RequestType, physicalId: result.physicalId, attributes: Object.keys(result.data) });
    await sendResponse(event, 'SUCCESS', result.physicalId, undefined, result.data);
  } catch (e) {
    // Never log the event or the secrets: the (redacted) message only.
    const message = e instanceof Error ? e.message : String(e);
    log({ level: 'error', msg: `${what} failed`, requestType: event.RequestType, error: message });
    await sendResponse(event, 'FAILED', fallbackId, `${what} failed: ${message}`);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
