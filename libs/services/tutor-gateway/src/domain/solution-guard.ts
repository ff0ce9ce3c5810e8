import { assertNever } from '@studypath/decider';
import type { TutorHintLevel, TutorLanguage } from './tutor.types';

/**
 * The solution guard: does a hint hold a complete function the learner could paste in?
 *
 * The rule (docs/tutor.md states it too):
 * - Python: a `def name(...):` header at the start of a line (after indentation or a block
 *   quote's `>`) or right after a backtick (inline code), whose body (the same line after the colon, or the following lines indented deeper
 *   than the `def`, up to the first line that is not, or a code fence) either returns a value
 *   (`return <expr>`) or yields, or has at least 3 statement lines.
 * - JavaScript: `function name(...) { ... }` (also `async`, generators, and an anonymous
 *   `function` assigned with `=` or `:`), or `const|let|var name = (...) => ...`, whose body is
 *   closed (the `}` matching its `{`, strings and comments skipped) and returns a value or yields
 *   or has at least 3 statement lines; an arrow with an expression body is complete when the
 *   expression is there.
 * - A body with a placeholder (a `...` line or comment, "TODO", "your code") is a skeleton, not a
 *   complete function; so is a header with no body yet. Inline callbacks (`arr.sort((a, b) =>
 *   a - b)`), lambdas and pseudocode (`function solve(steps):`) are not functions here.
 * - Which languages count: at levels 1 and 2 both (a complete function in either is a solution
 *   once translated); at level 3, which allows pseudocode, the problem's language only.
 * Code fences do not matter to detection; they matter to the cut, which is made before the fence
 * that holds the function, or else at the start of the function's line.
 */
export interface FoundFunction {
  language: TutorLanguage;
  name: string;
  /** Where the caller cuts: the start of the function's line, or of its code fence. */
  cutAt: number;
  complete: boolean;
}

export type GuardVerdict =
  | { kind: 'allowed' }
  /** `kept` is the text before the function (trimmed), for the caller to end or replace. */
  | { kind: 'cut'; cutAt: number; kept: string; found: FoundFunction };

/** A body with this many statement lines is complete even without a return. */
const SEVERAL_STATEMENTS = 3;

export function languagesGuarded(
  level: TutorHintLevel,
  language: TutorLanguage,
): readonly TutorLanguage[] {
  switch (level) {
    case 1:
    case 2:
      return ['python', 'javascript'];
    case 3:
      return [language];
    default:
      return assertNever(level, 'hint level');
  }
}

/** Checks a (whole or partial) hint against the rule above. */
export function guardHint(
  text: string,
  options: { level: TutorHintLevel; language: TutorLanguage },
): GuardVerdict {
  const found = languagesGuarded(options.level, options.language)
    .flatMap((language) => findFunctions(text, language))
    .filter((f) => f.complete)
    .sort((a, b) => a.cutAt - b.cutAt);
  const first = found[0];
  if (!first) return { kind: 'allowed' };
  return {
    kind: 'cut',
    cutAt: first.cutAt,
    kept: text.slice(0, first.cutAt).trimEnd(),
    found: first,
  };
}

/**
 * How much of a hint still being streamed can go out now: everything before the first function
 * header (complete or not yet), open code fence, or unfinished last line, since any of them may
 * still turn into a complete function.
 */
export function streamableLength(
  text: string,
  options: { level: TutorHintLevel; language: TutorLanguage },
): number {
  const layout = layoutOf(text);
  let end = text.endsWith('\n') ? text.length : text.lastIndexOf('\n') + 1;
  const openFence = layout.fences.find((fence) => fence.end === text.length && !fence.closed);
  if (openFence) end = Math.min(end, openFence.start);
  for (const language of languagesGuarded(options.level, options.language)) {
    for (const found of findFunctions(text, language)) end = Math.min(end, found.cutAt);
  }
  return end;
}

/** Every function header of a language in the text, complete or not. */
export function findFunctions(text: string, language: TutorLanguage): FoundFunction[] {
  const layout = layoutOf(text);
  switch (language) {
    case 'python':
      return findPython(text, layout);
    case 'javascript':
      return findJavaScript(text, layout);
    default:
      return assertNever(language, 'language');
  }
}

interface Line {
  start: number;
  text: string;
  isFence: boolean;
}

interface Fence {
  /** The start of the opening fence line. */
  start: number;
  /** The start of the closing fence line, or the end of the text. */
  end: number;
  closed: boolean;
}

interface Layout {
  lines: Line[];
  fences: Fence[];
}

const FENCE = /^\s{0,3}(```|~~~)/;

function layoutOf(text: string): Layout {
  const lines: Line[] = [];
  let start = 0;
  for (const lineText of text.split('\n')) {
    lines.push({ start, text: lineText, isFence: FENCE.test(lineText) });
    start += lineText.length + 1;
  }
  const fences: Fence[] = [];
  let open: number | null = null;
  for (const line of lines) {
    if (!line.isFence) continue;
    if (open === null) open = line.start;
    else {
      fences.push({ start: open, end: line.start, closed: true });
      open = null;
    }
  }
  if (open !== null) fences.push({ start: open, end: text.length, closed: false });
  return { lines, fences };
}

function fenceAround(layout: Layout, index: number): Fence | undefined {
  return layout.fences.find((fence) => index > fence.start && index < fence.end);
}

function cutFor(layout: Layout, index: number): number {
  const fence = fenceAround(layout, index);
  if (fence) return fence.start;
  const line = [...layout.lines].reverse().find((l) => l.start <= index);
  return line ? line.start : index;
}

/** A placeholder marks a skeleton: `...`, `…`, TODO, "your code". */
function isPlaceholder(line: string): boolean {
  const content = line
    .trim()
    .replace(/^(#|\/\/|\/\*)\s*/, '')
    .replace(/\s*\*\/$/, '');
  return /^(\.\.\.|…)/.test(content) || /\b(todo|your code)\b/i.test(content);
}

function judgeBody(statements: string[]): boolean {
  if (statements.some(isPlaceholder)) return false;
  const code = statements.filter((s) => !/^(#|\/\/|\/\*|\*)/.test(s));
  const returns = code.some(
    (s) => /^(return\s*[^\s;]|yield\b)/.test(s) || /\breturn\s+[^\s;}]/.test(s),
  );
  return returns || code.length >= SEVERAL_STATEMENTS;
}

// ---- Python ----

const PY_DEF = /^([ \t]*(?:>[ \t]?)?|[^\n]*?`)((?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)[ \t]*\()/;
const QUOTE = /^[ \t]*>[ \t]?/;

function findPython(text: string, layout: Layout): FoundFunction[] {
  const found: FoundFunction[] = [];
  layout.lines.forEach((line, i) => {
    const match = PY_DEF.exec(line.text);
    if (!match) return;
    const quoted = QUOTE.test(line.text);
    const indent = indentation(unquote(line.text, quoted));
    const name = match[3] ?? '';
    const headerStart = line.start + (match[1]?.length ?? 0);
    const colon = pythonHeaderEnd(text, line.start + match[0].length);
    const cutAt = cutFor(layout, headerStart);
    if (colon < 0) {
      found.push({ language: 'python', name, cutAt, complete: false });
      return;
    }
    const rest = text.slice(
      colon + 1,
      text.indexOf('\n', colon) < 0 ? text.length : text.indexOf('\n', colon),
    );
    const inline = rest
      .replace(/`.*$/, '')
      .replace(/\s+#.*$/, '')
      .trim();
    let statements: string[];
    if (inline !== '' && !inline.startsWith('#')) {
      statements = inline
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    } else {
      const headerLine = layout.lines.findIndex(
        (l) => l.start <= colon && colon < l.start + l.text.length + 1,
      );
      statements = pythonBody(layout.lines, Math.max(headerLine, i) + 1, indent, quoted);
    }
    found.push({
      language: 'python',
      name,
      cutAt,
      complete: statements.length > 0 && judgeBody(statements),
    });
  });
  return found;
}

/** A line of a Markdown block quote without its `>`, when the function is quoted. */
function unquote(line: string, quoted: boolean): string {
  return quoted ? line.replace(QUOTE, '') : line;
}

function indentation(line: string): number {
  return (/^[ \t]*/.exec(line)?.[0] ?? '').replace(/\t/g, '    ').length;
}

/** The index of the header's closing colon (after the balanced parameter list), or -1. */
function pythonHeaderEnd(text: string, afterParen: number): number {
  const close = matchClose(text, afterParen - 1, '(', ')', text.length);
  if (close < 0) return -1;
  let depth = 0;
  for (let i = close + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n' && depth === 0) return -1;
    if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth--;
    else if (ch === ':' && depth === 0) return i;
  }
  return -1;
}

/** The statement lines of an indented body (docstring, blank lines and comments left out). */
function pythonBody(lines: Line[], from: number, defIndent: number, quoted: boolean): string[] {
  const body: string[] = [];
  for (let j = from; j < lines.length; j++) {
    const line = lines[j];
    if (!line) break;
    if (line.isFence) break;
    const text = unquote(line.text, quoted);
    if (text.trim() === '') continue;
    if (indentation(text) <= defIndent) break;
    body.push(text.trim());
  }
  return dropDocstring(body);
}

function dropDocstring(body: string[]): string[] {
  const first = body[0];
  if (!first) return body;
  const quote = first.startsWith('"""') ? '"""' : first.startsWith("'''") ? "'''" : null;
  if (!quote) return body;
  if (first.length > 3 && first.slice(3).includes(quote)) return body.slice(1);
  const end = body.findIndex((s, k) => k > 0 && s.includes(quote));
  return end < 0 ? [] : body.slice(end + 1);
}

// ---- JavaScript ----

const JS_FUNCTION = /\b(?:async\s+)?function\b\s*\*?\s*([A-Za-z_$][\w$]*)?\s*\(/g;
const JS_BINDING = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?(?=[(A-Za-z_$]|$)/g;
const JS_FUNCTION_HEAD = /^function\b\s*\*?\s*([A-Za-z_$][\w$]*)?\s*\(/;

function findJavaScript(text: string, layout: Layout): FoundFunction[] {
  const found: FoundFunction[] = [];
  for (const match of text.matchAll(JS_FUNCTION)) {
    const start = match.index;
    const name = match[1];
    const assigned = /[=:]\s*$/.test(text.slice(Math.max(0, start - 40), start));
    if (!name && !assigned) continue;
    const limit = regionEnd(layout, start, text.length);
    const paramsClose = matchClose(text, start + match[0].length - 1, '(', ')', limit);
    const cutAt = cutFor(layout, start);
    const brace = paramsClose < 0 ? -1 : skipSpace(text, paramsClose + 1);
    if (brace < 0 || text[brace] !== '{') {
      // `function solve(steps):` is pseudocode, not JavaScript.
      // While streaming, a header whose body has not come yet may still become a function.
      if (paramsClose < 0 || brace < 0)
        found.push({ language: 'javascript', name: name ?? '', cutAt, complete: false });
      continue;
    }
    found.push({
      language: 'javascript',
      name: name ?? '',
      cutAt,
      complete: blockComplete(text, brace, limit),
    });
  }
  for (const match of text.matchAll(JS_BINDING)) {
    const start = match.index;
    const name = match[1] ?? '';
    const limit = regionEnd(layout, start, text.length);
    const cutAt = cutFor(layout, start);
    // The text ends before the binding shows whether it is a function: it may become one.
    const pending = (): void => {
      found.push({ language: 'javascript', name, cutAt, complete: false });
    };
    let at = start + match[0].length;
    const rest = text.slice(at);
    if (/^function\b/.test(rest)) {
      if (!JS_FUNCTION_HEAD.test(rest)) pending(); // else found above
      continue;
    }
    if (text[at] === '(') {
      const close = matchClose(text, at, '(', ')', limit);
      if (close < 0) {
        pending();
        continue;
      }
      at = close + 1;
    } else {
      const param = /^[A-Za-z_$][\w$]*/.exec(rest);
      at += param ? param[0].length : 0;
    }
    const arrow = skipSpace(text, at);
    if (arrow < 0 || (arrow === text.length - 1 && text[arrow] === '=')) {
      pending();
      continue;
    }
    if (!text.startsWith('=>', arrow)) continue;
    const bodyStart = skipSpace(text, arrow + 2, true);
    if (bodyStart < 0 || bodyStart >= limit) {
      found.push({ language: 'javascript', name, cutAt, complete: false });
    } else if (text[bodyStart] === '{') {
      found.push({
        language: 'javascript',
        name,
        cutAt,
        complete: blockComplete(text, bodyStart, limit),
      });
    } else {
      const expression = expressionAt(text, bodyStart, limit);
      const complete = expression !== '' && !isPlaceholder(expression) && expression !== '`';
      found.push({ language: 'javascript', name, cutAt, complete });
    }
  }
  return found;
}

/** Where a scan that starts at `index` must stop: its code fence's end, else the text's. */
function regionEnd(layout: Layout, index: number, textEnd: number): number {
  return fenceAround(layout, index)?.end ?? textEnd;
}

function skipSpace(text: string, from: number, newlines = true): number {
  const pattern = newlines ? /\s/ : /[ \t]/;
  let i = from;
  while (i < text.length && pattern.test(text[i] ?? '')) i++;
  return i < text.length ? i : -1;
}

function blockComplete(text: string, open: number, limit: number): boolean {
  const close = matchClose(text, open, '{', '}', limit);
  if (close < 0) return false;
  const statements = text
    .slice(open + 1, close)
    .split(/[\n;]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^[{}()[\]\s;,]+$/.test(s));
  return judgeBody(statements);
}

/** An arrow's expression body: up to `;` or the end of the line, outside brackets and strings. */
function expressionAt(text: string, from: number, limit: number): string {
  let depth = 0;
  for (let i = from; i < limit; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return text.slice(from, i).trim();
      depth--;
    } else if ((ch === ';' || ch === '\n') && depth === 0) return text.slice(from, i).trim();
  }
  return text.slice(from, limit).trim();
}

/**
 * The index of the bracket that closes the one at `open`, skipping strings and comments (of both
 * languages, near enough for hints), or -1 when the text ends (or `limit` comes) first.
 */
function matchClose(
  text: string,
  open: number,
  opener: string,
  closer: string,
  limit: number,
): number {
  let depth = 0;
  let i = open;
  while (i < limit) {
    const ch = text[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      const end = text.indexOf(ch, i + 1);
      const newline = text.indexOf('\n', i + 1);
      // An unclosed quote on its line is an apostrophe in prose or a cut string: skip just it.
      if (end < 0 || (ch !== '`' && newline >= 0 && newline < end)) i++;
      else i = end + 1;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? limit : newline;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? limit : end + 2;
      continue;
    }
    if (ch === opener) depth++;
    else if (ch === closer) {
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  return -1;
}
