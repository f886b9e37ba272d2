import { Duration, Stack } from 'aws-cdk-lib';
import { propTable, stringToken } from './table';
import { UmamiService, UmamiServiceProps } from '../../src';

function build(stack: Stack, p: Partial<UmamiServiceProps>): void {
  new UmamiService(stack, 'Umami', p as UmamiServiceProps);
}

const E = "Test/Umami: invalid '";

propTable<UmamiServiceProps>('UmamiService props', build, [
  {
    prop: 'websites[0].domain',
    valid: () => ({ websites: [{ name: 'Shop', domain: 'shop.example.com' }] }),
    invalid: () => ({ websites: [{ name: 'Shop' } as any] }),
    message: `${E}websites[0].domain': it is missing. Give the domain of the site, e.g. 'www.example.com'.`,
    token: (s) => ({ websites: [{ name: 'Shop', domain: stringToken(s, 'Domain') }] }),
  },
  {
    prop: 'websites[0].domain (shape)',
    valid: () => ({ websites: [{ name: 'Shop', domain: 'Shop.Example.com' }] }),
    invalid: () => ({ websites: [{ name: 'Shop', domain: 'https://shop.example.com' }] }),
    message: `${E}websites[0].domain': 'https://shop.example.com' is a URL, not a domain name. Use the host name only, e.g. 'shop.example.com'.`,
  },
  {
    prop: 'websites[0].name',
    valid: () => ({ websites: [{ name: 'Shop', domain: 'shop.example.com' }] }),
    invalid: () => ({ websites: [{ name: ' ', domain: 'shop.example.com' }] }),
    message: `${E}websites[0].name': the value is empty. Give the website a name of 1 to 100 characters, e.g. 'Marketing'.`,
    token: (s) => ({ websites: [{ name: stringToken(s, 'Name'), domain: 'shop.example.com' }] }),
  },
  {
    prop: 'users[0].username',
    valid: () => ({ users: [{ username: 'analyst' }] }),
    invalid: () => ({ users: [{} as any] }),
    message: `${E}users[0].username': the value is empty. Give a username of letters, digits and _ . @ -, e.g. 'analyst'.`,
  },
  {
    prop: 'startupGracePeriod',
    valid: () => ({ startupGracePeriod: Duration.minutes(5) }),
    invalid: () => ({ startupGracePeriod: Duration.millis(90500) }),
    message: `${E}startupGracePeriod': 1 minute 30 seconds (90.5 seconds) is not a whole number of seconds. Use whole seconds, e.g. Duration.seconds(90).`,
  },
  {
    prop: 'clientIpHeader',
    valid: () => ({ clientIpHeader: 'CloudFront-Viewer-Address' }),
    invalid: () => ({ clientIpHeader: 'X-Real-IP\r\nX-Evil' }),
    message: `${E}clientIpHeader': 'X-Real-IP\r\nX-Evil' is not an HTTP header name such as CloudFront-Viewer-Address. Use an HTTP header name such as CloudFront-Viewer-Address.`,
    token: (s) => ({ clientIpHeader: stringToken(s, 'Header') }),
  },
  {
    prop: 'trackerScriptName',
    valid: () => ({ trackerScriptName: 'stats.js' }),
    invalid: () => ({ trackerScriptName: 'stats.js\n' }),
    message: `${E}trackerScriptName': '"stats.js\\n"' contains the control character U+000a. Remove line breaks, tabs and other control characters (header values are one printable line).`,
    token: (s) => ({ trackerScriptName: stringToken(s, 'Script') }),
  },
  {
    prop: 'imageRepository',
    valid: () => ({ imageRepository: 'public.ecr.aws/umami/umami' }),
    invalid: () => ({ imageRepository: 'ghcr.io/umami-software/umami@sha256:abc' }),
    message: `${E}imageRepository': 'ghcr.io/umami-software/umami@sha256:abc' has a digest in it. Give the repository only ('ghcr.io/umami-software/umami') and the version in imageTag.`,
    token: (s) => ({ imageRepository: stringToken(s, 'Repo') }),
  },
  {
    prop: 'imageTag',
    valid: () => ({ imageTag: '3.0.3' }),
    invalid: () => ({ imageTag: '' }),
    message: `${E}imageTag': '' is not a Docker tag such as 3.1.0. Use a Docker tag such as 3.1.0.`,
    token: (s) => ({ imageTag: stringToken(s, 'Tag') }),
  },
]);
