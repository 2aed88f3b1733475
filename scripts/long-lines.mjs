#!/usr/bin/env node
// Reports the lines over 120 columns that the formatter cannot break (long strings and template literals,
// comments), and re-wraps the comments it can wrap safely.
//
//   node scripts/long-lines.mjs [--wrap-comments] [--list] [--width=120] [file-or-directory ...]
//
// Default directories: src test adapters examples bench scripts. Without --list it prints one count per kind
// and the files with the most; --list prints each line (file:line: columns, kind). --wrap-comments rewrites,
// in place, full-line `//` comments, one-line `/** ... */` comments alone on their line (into a block), and
// the prose lines of `/** ... */` blocks (not inside ``` fences, not
// table rows, not a line with a word longer than the width, such as a URL): each is split at spaces into
// lines of the same prefix. Comments are found by TypeScript's parser, so a `//` or ` * ` line inside a
// template literal is never touched. Re-running it changes nothing more; a wrapped comment never changes code.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const wrap = args.includes('--wrap-comments');
const list = args.includes('--list');
const width = Number(args.find((argument) => argument.startsWith('--width='))?.slice(8) ?? 120);
const roots = args.filter((argument) => !argument.startsWith('--'));
const DEFAULT_ROOTS = ['src', 'test', 'adapters', 'examples', 'bench', 'scripts'];

function* files(path) {
  if (statSync(path, { throwIfNoEntry: false }) === undefined) return;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      yield* files(join(path, entry));
    }
  } else if (/\.(?:[cm]?[tj]s|tsx)$/.test(path)) {
    yield path;
  }
}

/** Every comment's [start, end) in a file, from TypeScript's parser (so none inside a string or template). */
function commentRanges(path, source) {
  const kind = /\.[cm]?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, kind);
  const ranges = new Map();
  const collect = (node) => {
    for (const range of [
      ...(ts.getLeadingCommentRanges(source, node.pos) ?? []),
      ...(ts.getTrailingCommentRanges(source, node.end) ?? []),
    ])
      ranges.set(range.pos, range);
    for (const child of node.getChildren(file)) collect(child);
  };
  collect(file);
  return [...ranges.values()].sort((a, b) => a.pos - b.pos);
}

/** The kind of a long line: `line comment`, `doc comment`, `trailing comment`, `string` or `code`. */
function kindOf(line, offset, comments) {
  const first = offset + (line.length - line.trimStart().length);
  const end = offset + line.length;
  const inside = comments.find((range) => range.pos <= first && first < range.end);
  if (inside) return inside.kind === ts.SyntaxKind.SingleLineCommentTrivia ? 'line comment' : 'doc comment';
  if (comments.some((range) => range.pos > first && range.pos < end)) return 'trailing comment';
  if (/(['"`]).{40,}/.test(line)) return 'string';
  return 'code';
}

/** Splits `text` at spaces into pieces that fit `room` columns; undefined when a word alone is too long. */
function split(text, room) {
  // Words, with a `code span` kept whole: a code span is never split across lines.
  const words = text.match(/(?:`[^`]*`|[^\s`])+[^\s]*|`[^`]*$/g)?.filter((word) => word !== '') ?? [];
  if (words.join(' ') !== text.replace(/ +/g, ' ')) return undefined; // unusual spacing: leave it
  if (words.some((word) => word.length > room)) return undefined;
  const pieces = [];
  let current = '';
  for (const word of words) {
    if (current && current.length + 1 + word.length > room) {
      pieces.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/** A wrapped version of a comment line, or undefined when it is not safe to wrap. */
function wrapped(line, kind, inFence) {
  if (kind === 'line comment') {
    const match = /^(\s*\/\/\s?)(.*)$/.exec(line);
    if (
      !match ||
      /^\/\/\//.test(line.trimStart()) ||
      /biome-ignore|@ts-|eslint|prettier-ignore|^\s*[-*|#]/.test(match[2])
    )
      return undefined;
    const pieces = split(match[2], width - match[1].length);
    return pieces && pieces.length > 1 ? pieces.map((piece) => match[1] + piece) : undefined;
  }
  const single = /^(\s*)(\/\*\*?) (.*\S) ?\*\/$/.exec(line);
  if (kind === 'doc comment' && single && !single[3].includes('*/')) {
    // A one-line block comment alone on its line becomes a block of lines.
    const [, indent, open, text] = single;
    const pieces = split(text, width - indent.length - 3);
    return pieces ? [`${indent}${open}`, ...pieces.map((piece) => `${indent} * ${piece}`), `${indent} */`] : undefined;
  }
  if (kind === 'doc comment' && !inFence) {
    const match = /^(\s*\*\s)(.*)$/.exec(line);
    if (!match || /^[|]/.test(match[2]) || match[2].includes('*/') || match[2].startsWith('```')) return undefined;
    const list = /^(?:[-*]|\d+\.|@\w+(?:\s+\S+)?)\s/.exec(match[2]);
    const continuation = list ? `${match[1]}${' '.repeat(Math.min(list[0].length, 2))}` : match[1];
    const pieces = split(match[2], width - continuation.length);
    if (!pieces || pieces.length < 2 || match[1].length + pieces[0].length > width) return undefined;
    return [match[1] + pieces[0], ...pieces.slice(1).map((piece) => continuation + piece)];
  }
  return undefined;
}

const counts = {};
const perFile = new Map();
let total = 0;
let rewrapped = 0;
for (const root of roots.length > 0 ? roots : DEFAULT_ROOTS) {
  for (const path of files(root)) {
    const source = readFileSync(path, 'utf8');
    const output = [];
    const comments = commentRanges(path, source);
    let offset = 0;
    let inFence = false;
    for (const [index, line] of source.split('\n').entries()) {
      const kind = line.length > width ? kindOf(line, offset, comments) : undefined;
      const docLine = line.length <= width ? undefined : kind;
      if (/^\s*\*?\s*```/.test(line) && comments.some((range) => range.pos <= offset && offset < range.end))
        inFence = !inFence;
      if (/^\s*\/\*/.test(line)) inFence = false;
      offset += line.length + 1;
      const replacement = docLine && wrap ? wrapped(line, kind, inFence) : undefined;
      if (replacement) {
        output.push(...replacement);
        rewrapped += 1;
      } else {
        output.push(line);
        if (kind) {
          total += 1;
          counts[kind] = (counts[kind] ?? 0) + 1;
          perFile.set(path, (perFile.get(path) ?? 0) + 1);
          if (list) console.log(`${path}:${index + 1}: ${line.length} columns, ${kind}`);
        }
      }
    }
    const text = output.join('\n');
    if (wrap && text !== source) writeFileSync(path, text);
  }
}
if (wrap) console.log(`long-lines: re-wrapped ${rewrapped} comment line(s)`);
console.log(
  `long-lines: ${total} line(s) over ${width} columns${
    total
      ? `: ${Object.entries(counts)
          .map(([kind, count]) => `${count} ${kind}`)
          .join(', ')}`
      : ''
  }`,
);
if (!list) {
  for (const [path, count] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${count}\t${path}`);
}
