import { BasePlugin } from '@nexus/core';

export default class Plugin extends BasePlugin {}
