/**
 * What a request needs from an offering, and what the router says when no offering has it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { Router } from '../../src/router/router.js';
import { normalizeRequest, requiredCapabilities } from '../../src/core/request.js';

const pdf = {
  type: 'file' as const,
  mediaType: 'application/pdf',
  data: { type: 'data' as const, data: 'JVBERi0xLjQK' },
};
const png = {
  type: 'file' as const,
  mediaType: 'image/png',
  data: { type: 'url' as const, url: 'https://example.com/cat.png' },
};

describe('requiredCapabilities', () => {
  it('tells images from documents, and file URLs from inline bytes', () => {
    assert.deepEqual(
      requiredCapabilities(
        normalizeRequest({
          model: 'm/x',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Read' }, pdf] }],
        }),
      ),
      { tools: false, images: true, json: false, fileUrls: false, documents: true },
    );
    assert.deepEqual(
      requiredCapabilities(normalizeRequest({ model: 'm/x', messages: [{ role: 'user', content: [png] }] })),
      { tools: false, images: true, json: false, fileUrls: true, documents: false },
    );
    assert.deepEqual(requiredCapabilities(normalizeRequest({ model: 'm/x', prompt: 'Hi' })), {
      tools: false,
      images: false,
      json: false,
      fileUrls: false,
      documents: false,
    });
  });
});

describe('no_route for file input', () => {
  const router = new Router({ providers: { mistral: { type: 'mistral', apiKey: 'mistral-key-0123456789' } } });
  const reasonFor = (content: Array<typeof pdf | typeof png>): string => {
    try {
      router.candidates(
        router.normalize({
          model: 'mistral/mistral-large',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Read this' }, ...content] }],
        }),
      );
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'no_route');
      return (error as Error).message;
    }
    throw new Error('expected no_route');
  };

  it('says a PDF needs file input, not that the model "does not support images"', () => {
    const message = reasonFor([pdf]);
    assert.match(message, /does not support file input \(documents such as PDFs\)/);
    assert.doesNotMatch(message, /does not support images/);
  });

  it('says an image needs images', () => {
    assert.match(reasonFor([png]), /does not support images/);
  });
});

describe('images sent with a wildcard media type (the AI SDK’s `image` when it cannot tell)', () => {
  const png1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8 ')]).toString(
    'base64',
  );
  const typeOf = (mediaType: string, data: { type: 'data'; data: string } | { type: 'url'; url: string }): string => {
    const normalized = normalizeRequest({
      model: 'm/x',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'file', mediaType, data },
          ],
        },
      ],
    });
    const part = (normalized.prompt[0].content as Array<{ type: string; mediaType?: string }>)[1];
    return part.mediaType ?? '';
  };

  it('tells the format from the bytes, a data URL or the URL’s ending', () => {
    assert.equal(typeOf('image', { type: 'data', data: png1x1 }), 'image/png');
    assert.equal(typeOf('image/*', { type: 'data', data: '/9j/4AAQSkZJRg==' }), 'image/jpeg');
    assert.equal(typeOf('image', { type: 'data', data: webp }), 'image/webp');
    assert.equal(typeOf('image', { type: 'url', url: `data:image/gif;base64,R0lGODlhAQABAAAAACw=` }), 'image/gif');
    assert.equal(typeOf('image', { type: 'url', url: 'https://example.com/photo.JPG?size=large' }), 'image/jpeg');
    assert.equal(typeOf('image/png', { type: 'data', data: png1x1 }), 'image/png');
  });

  it('answers 400 naming the part when the format cannot be told', () => {
    assert.throws(
      () => typeOf('image', { type: 'data', data: 'AAAAAAAA' }),
      (error: unknown) =>
        (error as { code?: string; param?: string }).code === 'invalid_request' &&
        /messages\[0\]\.content\[1\]\.mediaType 'image' names no image format/.test((error as Error).message),
    );
  });

  it('leaves the caller’s message untouched', () => {
    const part = { type: 'file' as const, mediaType: 'image', data: { type: 'data' as const, data: png1x1 } };
    normalizeRequest({ model: 'm/x', messages: [{ role: 'user', content: [part] }] });
    assert.equal(part.mediaType, 'image');
  });
});
