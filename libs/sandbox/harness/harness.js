// StudyPath sandbox harness for JavaScript submissions (trusted code run inside the sandbox).
//
// Usage: node --max-old-space-size=<MB> harness.js <input.json> <solution.js>
// input.json: {"function": name, "params": [type, ...], "returns": type, "tests": [[arg, ...], ...]}
// holds the SAMPLE tests' arguments only. The hidden tests' arguments arrive on fd 4 (the same
// JSON shape, then EOF) once the harness asks for them with a "next" line: they are never in the
// sandbox while the code loads or while sample tests run, so nothing printed or thrown then can
// carry them. Expected values never enter the sandbox; the runner compares.
// Writes one JSON line per event to fd 3: hello, load_error | ready, test (one per sample test,
// i = its index among the samples), next, test (one per hidden test), done. After hello the
// submission's code can write to fd 3 too: the runner treats the channel as untrusted.
'use strict';

const fs = require('node:fs');
const vm = require('node:vm');

const PROTOCOL_FD = 3;
const HIDDEN_FD = 4;
const MAX_NODES = 1_000_000;
const MAX_DEPTH = 100;
const MAX_MESSAGE = 2000;
// Taken before the submission's code runs, which may replace the globals.
const stringify = JSON.stringify;
const parse = JSON.parse;
const rawJSON = JSON.rawJSON;
const writeSync = fs.writeSync;
const readSync = fs.readSync;
// process.exit runs 'exit' listeners the submission may have added: leave without them.
const exit = process.reallyExit.bind(process);
const hrtime = process.hrtime.bigint.bind(process.hrtime);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function emit(event) {
  const data = Buffer.from(stringify(event) + '\n');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(PROTOCOL_FD, data, offset, data.length - offset);
    } catch (error) {
      if (error && error.code === 'EAGAIN') Atomics.wait(sleeper, 0, 0, 1);
      else throw error;
    }
  }
}

class ListNode {
  constructor(val = 0, next = null) {
    this.val = val;
    this.next = next;
  }
}

class TreeNode {
  constructor(val = 0, left = null, right = null) {
    this.val = val;
    this.left = left;
    this.right = right;
  }
}

function buildList(values) {
  let head = null;
  for (let i = (values || []).length - 1; i >= 0; i--) head = new ListNode(values[i], head);
  return head;
}

function buildTree(values) {
  if (!values || values.length === 0 || values[0] === null) return null;
  const root = new TreeNode(values[0]);
  const queue = [root];
  let head = 0;
  let i = 1;
  while (head < queue.length && i < values.length) {
    const node = queue[head++];
    if (i < values.length && values[i] !== null) {
      node.left = new TreeNode(values[i]);
      queue.push(node.left);
    }
    i++;
    if (i < values.length && values[i] !== null) {
      node.right = new TreeNode(values[i]);
      queue.push(node.right);
    }
    i++;
  }
  return root;
}

class ResultError extends Error {}

const isObject = (value) => value !== null && typeof value === 'object';
const isTreeNode = (value) =>
  isObject(value) && 'val' in value && 'left' in value && 'right' in value;
const isListNode = (value) => isObject(value) && 'val' in value && 'next' in value;

function listToJson(node, depth = 0) {
  const out = [];
  while (node !== null && node !== undefined) {
    if (out.length >= MAX_NODES) {
      throw new ResultError(`the returned linked list has a cycle or more than ${MAX_NODES} nodes`);
    }
    out.push(toJson(node.val, depth + 1));
    node = node.next;
  }
  return out;
}

function treeToJson(root, depth = 0) {
  if (root === null || root === undefined) return [];
  const out = [];
  const queue = [root];
  let head = 0;
  while (head < queue.length) {
    const node = queue[head++];
    if (node === null || node === undefined) {
      out.push(null);
      continue;
    }
    if (queue.length > 2 * MAX_NODES) {
      throw new ResultError(`the returned tree has a cycle or more than ${MAX_NODES} nodes`);
    }
    out.push(toJson(node.val, depth + 1));
    queue.push(node.left, node.right);
  }
  while (out.length > 0 && out[out.length - 1] === null) out.pop();
  return out;
}

function toJson(value, depth = 0) {
  if (depth > MAX_DEPTH) throw new ResultError(`the result nests deeper than ${MAX_DEPTH} levels`);
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
      return value;
    case 'bigint':
      // Exactly: the runner reads integers beyond 2^53 digit by digit.
      return Number.isSafeInteger(Number(value)) ? Number(value) : rawJSON(value.toString());
    case 'object':
      break;
    default:
      throw new ResultError(`the result has a value of type ${typeof value}, which is not JSON`);
  }
  if (typeof value.then === 'function') {
    throw new ResultError('the function returned a Promise: return the value itself');
  }
  const inner = (item) => toJson(item, depth + 1);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value, inner);
  if (value instanceof Set) return Array.from(value, inner);
  if (value instanceof Map) {
    return Object.fromEntries(Array.from(value, ([k, v]) => [String(k), inner(v)]));
  }
  if (isTreeNode(value)) return treeToJson(value, depth);
  if (isListNode(value)) return listToJson(value, depth);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inner(v)]));
}

const baseType = (name) => (name.endsWith('?') ? name.slice(0, -1) : name);

function convertArg(value, type) {
  switch (baseType(type)) {
    case 'ListNode':
      return buildList(value);
    case 'TreeNode':
      return buildTree(value);
    default:
      return value;
  }
}

function convertResult(value, type) {
  switch (baseType(type)) {
    case 'ListNode':
      return listToJson(value);
    case 'TreeNode':
      return treeToJson(value);
    default:
      return toJson(value);
  }
}

const short = (text) => (text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE)}...`);

function describe(error, file) {
  if (!(error instanceof Error) && !(isObject(error) && 'message' in error)) {
    return short(`Uncaught ${String(error)}`);
  }
  let text = `${error.name || 'Error'}: ${error.message}`;
  const match = new RegExp(`${file}:(\\d+)`).exec(String(error.stack || ''));
  if (match) text += ` (line ${match[1]})`;
  return short(text);
}

// Node 20 says "Array buffer allocation failed", Node 24 "Failed to allocate memory".
const isMemoryError = (error) =>
  error instanceof RangeError &&
  /allocation failed|failed to allocate|out of memory/i.test(error.message);

const round = (value) => Math.round(value * 1000) / 1000;

/** The hidden tests' arguments, from fd 4 (the runner writes them when asked, then closes). */
function readHiddenTests() {
  const chunks = [];
  const buffer = Buffer.alloc(1 << 20);
  for (;;) {
    let read;
    try {
      read = readSync(HIDDEN_FD, buffer, 0, buffer.length, null);
    } catch (error) {
      if (error && error.code === 'EAGAIN') {
        Atomics.wait(sleeper, 0, 0, 1);
        continue;
      }
      throw error;
    }
    if (read === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
  return parse(Buffer.concat(chunks).toString('utf8')).tests;
}

/** Calls the function on each test and reports it. False when the run must stop (memory). */
function runTests(fn, tests, spec, file, hidden) {
  for (let index = 0; index < tests.length; index++) {
    const args = tests[index].map((value, i) => convertArg(value, spec.params[i] || 'any'));
    let result;
    let error;
    let threw = false;
    const wallStart = hrtime();
    try {
      result = fn(...args);
    } catch (caught) {
      threw = true;
      error = caught;
    }
    const event = { t: 'test', i: index, wall_ms: round(Number(hrtime() - wallStart) / 1e6) };
    if (threw && isMemoryError(error)) {
      Object.assign(event, { ok: false, kind: 'memory', message: describe(error, file) });
      emit(event);
      return false;
    }
    // Of a hidden test the runner keeps only the category: send no text at all.
    if (threw) {
      Object.assign(event, {
        ok: false,
        kind: 'exception',
        message: hidden ? '' : describe(error, file),
      });
    } else {
      try {
        event.actual = convertResult(result, spec.returns);
        event.ok = true;
      } catch (problem) {
        const memory = isMemoryError(problem);
        let message = problem instanceof ResultError ? problem.message : describe(problem, file);
        if (hidden) message = '';
        Object.assign(event, { ok: false, kind: memory ? 'memory' : 'result', message });
      }
    }
    emit(event);
  }
  return true;
}

function main() {
  // Console output to a pipe is asynchronous: make it blocking so that it reaches the runner (and
  // counts against the output limit) instead of piling up in memory until the process exits.
  for (const stream of [process.stdout, process.stderr]) {
    if (stream._handle && typeof stream._handle.setBlocking === 'function') {
      stream._handle.setBlocking(true);
    }
  }
  const spec = parse(fs.readFileSync(process.argv[2], 'utf8'));
  const source = fs.readFileSync(process.argv[3], 'utf8');
  const file = 'solution.js';
  globalThis.ListNode = ListNode;
  globalThis.TreeNode = TreeNode;
  // Everything the harness needs is read: from here on the submission's code may run.
  emit({ t: 'hello' });
  let script;
  try {
    script = new vm.Script(source, { filename: file });
  } catch (error) {
    emit({ t: 'load_error', kind: 'syntax', message: describe(error, file) });
    return;
  }
  let fn;
  try {
    script.runInThisContext();
    fn = vm.runInThisContext(
      `typeof ${spec.function} === 'function' ? ${spec.function} : undefined`,
    );
  } catch (error) {
    const kind = isMemoryError(error) ? 'memory' : 'load';
    emit({ t: 'load_error', kind, message: describe(error, file) });
    return;
  }
  if (typeof fn !== 'function') {
    emit({
      t: 'load_error',
      kind: 'missing',
      message: `the code does not define the function ${spec.function}`,
    });
    return;
  }
  emit({ t: 'ready' });
  if (!runTests(fn, spec.tests, spec, file, false)) return;
  emit({ t: 'next' });
  if (!runTests(fn, readHiddenTests(), spec, file, true)) return;
  emit({ t: 'done' });
}

try {
  main();
} catch (error) {
  try {
    emit({ t: 'fatal', kind: 'harness', message: describe(error, 'harness.js') });
  } catch {
    // nothing left to report with
  }
  exit(1);
}
exit(0);
