import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'adapters/express': 'adapters/express.ts',
    'adapters/koa': 'adapters/koa.ts',
    'adapters/next': 'adapters/next.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  target: 'node20',
  platform: 'node',
  // Vendor SDKs and frameworks stay external: they are optional peers, loaded lazily (google-auth-library
  // comes with the Google SDKs; the vertex provider loads it for Claude with service-account keys).
  external: [/^openai/, /^@anthropic-ai\//, /^@google\//, /^@mistralai\//, /^@aws-sdk\//, /^@smithy\//, /^cohere-ai/, 'google-auth-library', 'ioredis', 'express', 'koa', 'next', 'zod'],
});
