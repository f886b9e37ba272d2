import * as path from 'path';
import { Stack, Token } from 'aws-cdk-lib';
import { numberToken, propTable, stringToken } from './table';
import { ApiImage, FastifyFargateApi, FastifyFargateApiProps } from '../../src';

const fixture = path.join(__dirname, '..', 'fixtures', 'api');

function build(stack: Stack, p: Partial<FastifyFargateApiProps>): void {
  new FastifyFargateApi(stack, 'Api', { image: ApiImage.fromDirectory(fixture), ...p });
}

const E = "Test/Api: invalid '";

propTable<FastifyFargateApiProps>('FastifyFargateApi props', build, [
  {
    prop: 'migrationCommand',
    valid: () => ({ migrationCommand: ['node', 'dist/migrate.js'] }),
    invalid: () => ({ migrationCommand: ['node', ''] }),
    message: `${E}migrationCommand': the value entry 1 is an empty string. Give the command and its arguments as non-empty strings, e.g. ['node', 'dist/migrate.js'].`,
    token: (s) => ({ migrationCommand: ['node', stringToken(s, 'Script')] }),
  },
  {
    prop: 'healthCheckPath',
    valid: () => ({ healthCheckPath: '/ready' }),
    invalid: () => ({ healthCheckPath: '/ready now' }),
    message: `${E}healthCheckPath': '/ready now' is not an absolute HTTP path. Use a path that starts with '/' and has no spaces, query or fragment, e.g. '/ready'.`,
    token: (s) => ({ healthCheckPath: stringToken(s, 'Path') }),
  },
  {
    prop: 'logLevel',
    valid: () => ({ logLevel: 'debug' }),
    invalid: () => ({ logLevel: 'verbose' }),
    message: `${E}logLevel': 'verbose' is not a pino level. Use one of fatal, error, warn, info, debug, trace, silent.`,
    token: (s) => ({ logLevel: stringToken(s, 'Level') }),
  },
  {
    prop: 'nodeEnv',
    valid: () => ({ nodeEnv: 'staging' }),
    invalid: () => ({ nodeEnv: 'prod\nuction' }),
    message: `${E}nodeEnv': 'prod\nuction' is not a NODE_ENV value such as production (letters, digits, _ . -). Use a NODE_ENV value such as production (letters, digits, _ . -).`,
    token: (s) => ({ nodeEnv: stringToken(s, 'Env') }),
  },
  {
    prop: 'imageTag',
    valid: () => ({ image: undefined, createRepository: true, imageTag: '1.0.0' }),
    invalid: () => ({ image: undefined, createRepository: true, imageTag: '' }),
    message: `${E}imageTag': the tag is empty (it would silently become latest). Give the tag to deploy, e.g. '1.4.2', or leave the prop unset for the default.`,
    token: (s) => ({ image: undefined, createRepository: true, imageTag: stringToken(s, 'Tag') }),
  },
  {
    prop: 'repositoryMaxImages',
    valid: () => ({ repositoryMaxImages: 20 }),
    invalid: () => ({ repositoryMaxImages: 0 }),
    message: `${E}repositoryMaxImages': 0 is outside 1..10000. Use a value from 1 to 10000.`,
    token: (s) => ({ repositoryMaxImages: Token.asNumber(numberToken(s, 'Max')) }),
  },
]);
