import { App, CfnParameter, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { testApp } from '../helpers/nag';
import { testStack } from '../helpers/stacks';

/** Props (or a part of them) for one case, built inside the case's own stack (tokens need a scope). */
export type PropsOf<P> = (stack: Stack) => Partial<P>;

/** One prop with a rule: a value that passes, one that fails with `message` (exact), and a token that must pass. */
export interface PropRule<P> {
  /** The prop, as it appears in the message. */
  readonly prop: string;
  readonly valid: PropsOf<P>;
  readonly invalid: PropsOf<P>;
  /** The exact error message (it names the construct path and the prop). */
  readonly message: string;
  /** A value known only at deploy time; omitted when the prop cannot be a token (e.g. a construct). */
  readonly token?: PropsOf<P>;
}

/** A number parameter as a token. */
export function numberToken(stack: Stack, id: string): number {
  return Token.asNumber(new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber);
}

/** A string parameter as a token. */
export function stringToken(stack: Stack, id: string): string {
  return new CfnParameter(stack, id, { type: 'String' }).valueAsString;
}

function synth(stack: Stack): void {
  Template.fromStack(stack);
}

function errorOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return undefined;
}

/**
 * Runs the table: for each rule, `build(stack, props)` with the valid, invalid and token value, each in a fresh stack.
 * The valid and token cases must synthesize; the invalid case must throw exactly `message`. Returns the case count.
 */
export function propTable<P>(
  title: string,
  build: (stack: Stack, props: Partial<P>) => void,
  rules: readonly PropRule<P>[],
  newStack: (app: App) => Stack = (app) => testStack(app),
): number {
  let count = 0;
  describe(title, () => {
    for (const rule of rules) {
      count += 2;
      test(`${rule.prop}: a valid value synthesizes`, () => {
        const stack = newStack(testApp());
        expect(errorOf(() => { build(stack, rule.valid(stack)); synth(stack); })).toBeUndefined();
      });
      test(`${rule.prop}: an invalid value fails at synth naming the path and the prop`, () => {
        const stack = newStack(testApp());
        expect(errorOf(() => { build(stack, rule.invalid(stack)); synth(stack); })).toBe(rule.message);
      });
      if (rule.token) {
        count += 1;
        const token = rule.token;
        test(`${rule.prop}: a token synthesizes`, () => {
          const stack = newStack(testApp());
          expect(errorOf(() => { build(stack, token(stack)); synth(stack); })).toBeUndefined();
        });
      }
    }
  });
  return count;
}
