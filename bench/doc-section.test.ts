import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withSection } from './doc-section.ts';

describe('withSection', () => {
  const doc = '# Benchmarks\n\n## A\n\nold a\n\n## B\n\nold b\n';
  it('replaces a section in place, keeping the ones after it', () => {
    assert.equal(withSection(doc, '## A', '## A\n\nnew a\n'), '# Benchmarks\n\n## A\n\nnew a\n\n## B\n\nold b\n');
  });
  it('replaces the last section to the end of the file', () => {
    assert.equal(withSection(doc, '## B', '## B\n\nnew b\n'), '# Benchmarks\n\n## A\n\nold a\n\n## B\n\nnew b\n');
  });
  it('matches the heading as a whole line, not as the start of a longer heading', () => {
    const two = '# Benchmarks\n\n## A: notes\n\nkept\n\n## A\n\nold a\n';
    assert.equal(withSection(two, '## A', '## A\n\nnew a\n'), '# Benchmarks\n\n## A: notes\n\nkept\n\n## A\n\nnew a\n');
  });
  it('appends a section that is not there', () => {
    assert.equal(withSection(doc, '## C', '## C\n\nc\n'), `${doc.trimEnd()}\n\n## C\n\nc\n`);
  });
});
