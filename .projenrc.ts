import { awscdk, github, javascript, Task, TextFile } from 'projen';

/**
 * The lowest aws-cdk-lib that has every API the library uses, and that cdk-nag 3.x (the test-time
 * validator) accepts as a peer. The dev dependency is pinned to it so the tests prove the floor.
 */
const CDK_VERSION = '2.257.0';
/** aws-cdk CLI for the example app: the 3.x CLI refuses aws-cdk-lib 2.x cloud assemblies. */
const CDK_CLI_VERSION = '2.1148.1';

const project = new awscdk.AwsCdkConstructLibrary({
  name: '@org/analytics-constructs',
  description:
    'Production-grade AWS CDK constructs for self-hosted analytics on ECS Fargate: Umami, OpenReplay, a Fastify API, ' +
    'a CloudFront SPA and a CloudWatch observability bundle, secure and cheap by default.',
  keywords: ['cdk', 'awscdk', 'aws-cdk', 'ecs', 'fargate', 'cloudfront', 'umami', 'openreplay', 'observability'],
  stability: 'experimental',
  license: 'Apache-2.0',
  author: 'Org Platform Team',
  authorAddress: 'platform@org.example',
  repositoryUrl: 'https://github.com/org/analytics-constructs.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdkVersion: CDK_VERSION,
  cdkVersionPinning: false,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~5.9.0',

  minNodeVersion: '22.0.0',
  workflowNodeVersion: '22',

  // Lambda handlers (src/**/*.lambda.ts) are bundled by projen with esbuild for Node 22.
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_22_X,
    bundlingOptions: { externals: ['@aws-sdk/*'], sourcemap: false },
  },

  // jsii targets. Publishing needs the registry secrets (NPM_TOKEN, TWINE_*, MAVEN_*, NUGET_API_KEY, GO_GITHUB_TOKEN).
  npmAccess: javascript.NpmAccess.PUBLIC,
  publishToPypi: {
    distName: 'org-analytics-constructs',
    module: 'org_analytics_constructs',
  },
  publishToMaven: {
    javaPackage: 'com.org.analytics.constructs',
    mavenGroupId: 'com.org',
    mavenArtifactId: 'analytics-constructs',
  },
  publishToGo: {
    moduleName: 'github.com/org/analytics-constructs-go',
  },
  publishToNuget: {
    dotNetNamespace: 'Org.AnalyticsConstructs',
    packageId: 'Org.AnalyticsConstructs',
  },

  // The development tsconfig sits at the top level, where users of projen projects expect it.
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['src/**/*.ts', 'test/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts'],
    exclude: ['examples', 'test/consumers'],
    // Tests of the examples/ composition import the library by its package name, resolved to the sources.
    compilerOptions: { rootDir: '.', baseUrl: '.', paths: { '@org/analytics-constructs': ['src/index.ts'] } },
  },

  // Typed linting against tsconfig.dev.json, which includes src/, test/ and the projenrc.
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'projenrc', '.projenrc.ts'],
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
    // Consumer apps are compiled against the packed library, outside this project's tsconfig.
    ignorePatterns: ['*.js', '*.d.ts', 'node_modules/', '*.generated.ts', 'coverage', 'test/consumers/**'],
  },

  devDeps: [
    'cdk-nag@^3.0.2',
    `aws-cdk@${CDK_CLI_VERSION}`,
    'ts-node@^10.9.2',
    // Bundled into the custom-resource handlers by esbuild (the AWS SDK v3 comes from the Lambda runtime).
    'pg@^8.16.0',
    '@types/pg',
    '@aws-sdk/client-secrets-manager@^3',
    '@aws-sdk/client-ecs@^3',
    // The OpenReplay gateway test drives the real tracker in Debian's Chromium (no browser download). The tracker is
    // the release the v1.27.0 platform hands out (frontend/.env.sample at tag v1.27.0: TRACKER_VERSION = '18.0.17').
    '@openreplay/tracker@18.0.17',
    'playwright-core@^1.65.1',
  ],

  gitignore: ['examples/cdk.out', 'examples/**/node_modules', '/.tmp', '*.tgz', 'test/.cdk.out*'],

  jestOptions: {
    // Jest 30 resolves modules with unrs-resolver (see the eslint resolver note below); Jest 29 does not.
    jestVersion: '^29',
    // Snapshots are checked, never silently rewritten (`npx jest -u` updates them on purpose).
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/examples/'],
      modulePathIgnorePatterns: ['<rootDir>/examples/site/', '<rootDir>/examples/api/', '<rootDir>/dist/'],
      moduleNameMapper: { '^@org/analytics-constructs$': '<rootDir>/src' },
    },
  },
  githubOptions: { mergify: false },
  autoApproveUpgrades: false,
  depsUpgrade: true,
  sampleCode: false,
});

project.addPackageIgnore('/examples');
project.addPackageIgnore('/.ci');
project.addPackageIgnore('/scripts');

// eslint-import-resolver-typescript 3.6 resolves with enhanced-resolve; 3.8+ (like Jest 30) pulls unrs-resolver, whose
// per-platform optional packages are not all on every registry mirror, which leaves package-lock.json unusable for `npm ci`.
project.addDevDeps('eslint-import-resolver-typescript@~3.6.3');

// Only the listed roots (the default also adds `**/*.ts`, which would pull in examples/ and lib/).
project.tryFindObjectFile('tsconfig.dev.json')?.addOverride('include', ['src/**/*.ts', 'test/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts']);

// Node 22 everywhere: engines (from minNodeVersion), CI workflows (workflowNodeVersion) and .nvmrc.
new TextFile(project, '.nvmrc', { lines: ['22'] });

// The package refers to itself by name (Node self-reference), so examples/ imports the library exactly the way a
// consuming app does: `import { ... } from '@org/analytics-constructs'`, resolved to the compiled `lib/`.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './package.json': './package.json',
  './.jsii': './.jsii',
});

// The example Fastify service's own tests (Node's test runner) against a real PostgreSQL that the tests start
// (Debian: `apt-get install postgresql`). Part of `npm test`, so the README's one test command runs everything.
const testApi = project.addTask('test:api', {
  description: 'Install, build and test examples/api against a real PostgreSQL',
  cwd: 'examples/api',
});
testApi.exec('npm ci --no-audit --no-fund');
testApi.exec('npm test');
project.testTask.spawn(testApi);
// The example site's tests: unit tests and an end-to-end test in headless Chromium (Debian: `apt-get install chromium`).
const testSite = project.addTask('test:site', {
  description: 'Install, build and test examples/site (vitest + headless Chromium)',
  cwd: 'examples/site',
});
testSite.exec('npm ci --no-audit --no-fund');
testSite.exec('npm test');
project.testTask.spawn(testSite);

// The tests synthesize the custom-resource functions, whose code is the esbuild bundle.
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// `npm test` and `npm run example` first make the toolchain ready (scripts/toolchain.sh: Node 22, the pinned
// cfn-lint, PostgreSQL, nginx and Chromium, installed when missing, or one message listing what is missing), then run
// their steps with it first on PATH. The steps live in `test:run` and `example:run`; arguments pass through
// (`npm test -- test/core.test.ts`, `npm run example -- -c profile=prod`).
function behindToolchain(task: Task, description: string): void {
  const run = project.addTask(`${task.name}:run`, { description });
  run.addSteps(...task.steps);
  task.reset('bash scripts/toolchain.sh projen ' + run.name, { receiveArgs: true });
}

// Plain JavaScript sources shipped in the package next to the compiled code (e.g. CloudFront Functions, which run
// as written): copy every src/**/functions/*.js to lib/ after jsii compiles.
project.postCompileTask.prependExec(
  'node -e "const fs=require(\'fs\'),p=require(\'path\');for(const d of fs.readdirSync(\'src\',{recursive:true}))'
  + '{if(p.basename(d)===\'functions\'&&fs.statSync(p.join(\'src\',d)).isDirectory())fs.cpSync(p.join(\'src\',d),p.join(\'lib\',d),{recursive:true})}"',
);

// Every code example in README.md and in the doc comments must compile (strict) and translate to the jsii languages:
// rosetta/*.ts-fixture give them their context. Runs after compile, before API.md is generated.
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile and translate the README and doc-comment examples (strict)',
  exec: 'jsii-rosetta extract --compile --strict --fail',
});
project.postCompileTask.prependSpawn(rosetta);
project.gitignore.addPatterns('.jsii.tabl.json', '.jsii.tabl.json.d');
project.addPackageIgnore('/rosetta');
project.addPackageIgnore('/docs');
project.addTask('architecture', {
  description: 'Render the synthesized example (examples/cdk.out) to docs/architecture.png (needs graphviz)',
  exec: 'bash scripts/architecture.sh',
});

// Deployment pipeline of the example platform (GitHub Actions with OIDC): synthesize both profiles and validate them,
// publish the assets (the API image is built and pushed here), deploy dev (the API's migration runs as a one-off task
// before the new version takes traffic), smoke-test /health, then prod behind the `production` environment's required
// reviewers (manual approval), and smoke-test again. Rollback of a failed service deployment is the ECS circuit
// breaker's; of a failed stack update, CloudFormation's.
const deploy = project.github!.addWorkflow('deploy');
deploy.on({ workflowDispatch: {}, push: { branches: ['main'], paths: ['examples/**', 'src/**'] } });
const nodeSetup = [
  { uses: 'actions/checkout@v4' },
  { uses: 'actions/setup-node@v4', with: { 'node-version': '22' } },
];
const awsLogin = (env: string) => ({
  uses: 'aws-actions/configure-aws-credentials@v4',
  with: { 'role-to-assume': `\${{ secrets.AWS_DEPLOY_ROLE_${env.toUpperCase()} }}`, 'aws-region': '\${{ vars.AWS_REGION }}' },
});
// The deployment's own account, region, domain and zone (repository variables), instead of the placeholders.
const synthEnv = (env: string) => ({
  EXAMPLE_ACCOUNT: `\${{ vars.AWS_ACCOUNT_${env} }}`,
  EXAMPLE_REGION: '\${{ vars.AWS_REGION }}',
  EXAMPLE_DOMAIN: `\${{ vars.DOMAIN_${env} }}`,
  EXAMPLE_HOSTED_ZONE_ID: `\${{ vars.HOSTED_ZONE_ID_${env} }}`,
  EXAMPLE_ALARM_EMAIL: '\${{ vars.ALARM_EMAIL }}',
});
const oidc = { contents: github.workflows.JobPermission.READ, idToken: github.workflows.JobPermission.WRITE };
const deployJob = (env: string, needs: string[], environment: string): github.workflows.Job => ({
  needs,
  runsOn: ['ubuntu-latest'],
  permissions: oidc,
  environment,
  steps: [
    ...nodeSetup,
    { run: 'npm ci' },
    { uses: 'actions/download-artifact@v4', with: { name: `cdk-out-${env}`, path: `examples/cdk.out-${env}` } },
    awsLogin(env),
    {
      name: `Deploy ${env}`,
      run: `npx cdk deploy --all --app cdk.out-${env} --require-approval never --concurrency 3`,
      workingDirectory: 'examples',
    },
  ],
});
const smokeJob = (env: string, needs: string[]): github.workflows.Job => ({
  needs,
  runsOn: ['ubuntu-latest'],
  permissions: { contents: github.workflows.JobPermission.READ },
  steps: [{
    name: `Smoke test ${env}: GET /health`,
    run: `for i in $(seq 1 30); do curl -fsS "https://api.\${{ vars.DOMAIN_${env.toUpperCase()} }}/health" && exit 0; sleep 10; done; exit 1`,
  }],
});
deploy.addJobs({
  'synth': {
    runsOn: ['ubuntu-latest'],
    permissions: { contents: github.workflows.JobPermission.READ },
    steps: [
      ...nodeSetup,
      { run: 'pip install cfn-lint==1.58.0' },
      { run: 'npm ci' },
      {
        name: 'Synthesize and validate dev',
        run: 'npm run example -- -c profile=dev && mv examples/cdk.out examples/cdk.out-dev',
        env: synthEnv('DEV'),
      },
      {
        name: 'Synthesize and validate prod',
        run: 'npm run example -- -c profile=prod && mv examples/cdk.out examples/cdk.out-prod',
        env: synthEnv('PROD'),
      },
      { uses: 'actions/upload-artifact@v4', with: { name: 'cdk-out-dev', path: 'examples/cdk.out-dev' } },
      { uses: 'actions/upload-artifact@v4', with: { name: 'cdk-out-prod', path: 'examples/cdk.out-prod' } },
    ],
  },
  'publish-assets': {
    needs: ['synth'],
    runsOn: ['ubuntu-latest'],
    permissions: oidc,
    steps: [
      ...nodeSetup,
      { uses: 'actions/download-artifact@v4', with: { name: 'cdk-out-dev', path: 'cdk.out-dev' } },
      awsLogin('dev'),
      { name: 'Build and publish the API image and file assets', run: 'for f in cdk.out-dev/*.assets.json; do npx -y cdk-assets@3 publish --path "$f"; done' },
    ],
  },
  'deploy-dev': deployJob('dev', ['publish-assets'], 'dev'),
  'smoke-dev': smokeJob('dev', ['deploy-dev']),
  'deploy-prod': deployJob('prod', ['smoke-dev'], 'production'),
  'smoke-prod': smokeJob('prod', ['deploy-prod']),
});
project.addDevDeps('yaml@^2');

// AWS Control Tower's proactive controls as cfn-guard rules, with the cfn-guard binary (test/control-tower.test.ts runs
// them over the example's templates): the package ships both, so no Rust toolchain or download at test time.
project.addDevDeps('@cdklabs/cdk-validator-cfnguard@0.0.62');

// Integration tests (test/integ.*.ts): committed snapshots verified in CI with integ-runner (no deployment here);
// a maintainer with an AWS account deploys them with the command in test/integ/README.md. Pinned: the runner's bundled
// feature flags shape the snapshots. integ-tests-alpha 2.245.0-alpha.0 is the newest on the registry (peer ^2.245.0).
project.addDevDeps('@aws-cdk/integ-runner@2.197.10', '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0');
project.gitignore.addPatterns('test/integ.*.ts.snapshot/asset.*', 'test/cdk-integ.out.*');
const integ = project.addTask('integ', {
  description: 'Verify the integration tests\' committed snapshots (no deployment)',
  exec: 'integ-runner --language typescript',
  env: { TS_NODE_TRANSPILE_ONLY: '1' },
});
integ.prependSpawn(project.tasks.tryFind('bundle')!);

// `npm run example`: compile the library, then synthesize the example deployment with the pinned 2.x CLI and
// print a summary (stacks, resources per stack, validator results).
const example = project.addTask('example', {
  description: 'Compile the library and synthesize examples/ into examples/cdk.out, with cfn-lint and cdk-nag results',
});
// The site is deployed from its build output (examples/site/dist).
example.exec('npm ci --no-audit --no-fund && npm run build', { cwd: 'examples/site' });
example.spawn(project.preCompileTask);
example.spawn(project.compileTask);
example.spawn(project.postCompileTask);
// Extra arguments go to `cdk synth`: `npm run example -- -c profile=prod`.
example.exec('node scripts/example-synth.js', { receiveArgs: true });

// `npm run quickstart`: the README's quick starts as one CDK app (examples/quickstart), synthesized without credentials
// and linted like the example; test/readme.test.ts holds the README's code blocks to its `readme:start` regions.
const quickstart = project.addTask('quickstart', {
  description: 'Compile the library and synthesize examples/quickstart (the README quick starts), with cfn-lint',
});
quickstart.spawn(project.preCompileTask);
quickstart.spawn(project.compileTask);
quickstart.spawn(project.postCompileTask);
quickstart.exec('node scripts/example-synth.js --app examples/quickstart', { receiveArgs: true });
project.gitignore.addPatterns('examples/quickstart/cdk.out');

behindToolchain(project.testTask, 'The steps of `test`, on the toolchain scripts/toolchain.sh made ready');
behindToolchain(example, 'The steps of `example`, on the toolchain scripts/toolchain.sh made ready');
behindToolchain(quickstart, 'The steps of `quickstart`, on the toolchain scripts/toolchain.sh made ready');

project.synth();
