#!/usr/bin/env node
import { App, Tags } from 'aws-cdk-lib';
import { checkCompliance } from '../lib/compliance';
import { env, profileOf } from '../lib/config';
import { NetworkStack } from '../lib/network-stack';

const app = new App();
const profile = profileOf(app.node.tryGetContext('profile'));
const prefix = `Analytics-${profile}`;

const network = new NetworkStack(app, `${prefix}-Network`, { env, profile });
void network;

Tags.of(app).add('Project', 'analytics-platform');
Tags.of(app).add('Environment', profile);

checkCompliance(app);
