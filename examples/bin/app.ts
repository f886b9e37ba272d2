#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { checkCompliance } from '../lib/compliance';
import { profileOf } from '../lib/config';
import { buildPlatform } from '../lib/platform-app';

const app = new App();
buildPlatform(app, { profile: profileOf(app.node.tryGetContext('profile')) });
checkCompliance(app);
