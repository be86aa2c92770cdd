// nimbus's Lambda runtime for Node.js (no dependencies).
//
// Loads the handler named by _HANDLER ("file.export", the file relative to LAMBDA_TASK_ROOT,
// .js/.cjs via require, .mjs or ESM packages via import()) once, then loops on the Lambda
// Runtime API. Handlers may be async, return a promise, or take a callback.
'use strict';

const http = require('http');
const path = require('path');
const fs = require('fs');
const url = require('url');
const util = require('util');

const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const BASE = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port: PORT, method, path: BASE + p, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function post(p, doc, headers) {
  const body = typeof doc === 'string' ? doc : JSON.stringify(doc);
  return request('POST', p, body, Object.assign({ 'Content-Type': 'application/json' }, headers || {}));
}

let currentRequestId = '';
function patchConsole() {
  const write = (level) => (...args) => {
    const msg = util.format(...args).replace(/\n/g, '\r');
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId || 'undefined'}\t${level}\t${msg}\n`);
  };
  console.log = write('INFO');
  console.info = write('INFO');
  console.warn = write('WARN');
  console.error = write('ERROR');
  console.debug = write('DEBUG');
  console.trace = write('TRACE');
}

const TASK_ROOT = path.resolve(process.env.LAMBDA_TASK_ROOT || process.cwd());
const TASK_URL = url.pathToFileURL(TASK_ROOT).href;

// Paths inside the task root read as AWS shows them, under /var/task.
function shown(text) {
  return String(text).split(TASK_URL + '/').join('file:///var/task/').split(TASK_ROOT + path.sep).join('/var/task/');
}

// A stack as AWS's runtime reports it: user code under /var/task, the runtime's own frames
// (this file, Node's internals) left out.
function stackLines(err) {
  return String((err && err.stack) || '')
    .split('\n')
    .filter((l) => !(/^\s+at /.test(l) && (l.includes(__filename) || l.includes('(node:') || /at node:/.test(l))))
    .map(shown);
}

function errorDoc(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || 'Error',
      errorMessage: shown(err.message),
      trace: stackLines(err),
    };
  }
  return { errorType: typeof err === 'string' ? 'string' : typeof err, errorMessage: String(err), trace: [] };
}

async function initError(errorType, message, err) {
  const doc = { errorType, errorMessage: shown(message), trace: err ? stackLines(err) : [] };
  process.stdout.write(`${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(doc)}\n`);
  await post('/init/error', doc, { 'Lambda-Runtime-Function-Error-Type': errorType });
  process.exit(1);
}

async function loadHandler() {
  const handler = process.env._HANDLER || '';
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) {
    return initError('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
  }
  const modPath = handler.slice(0, dot);
  const fnPath = handler.slice(dot + 1);
  const base = path.resolve(root, modPath);
  let mod;
  try {
    const candidates = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).filter((p) => fs.existsSync(p));
    if (candidates.length === 0) {
      const e = new Error(`Cannot find module '${modPath}'`);
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    }
    const file = candidates[0];
    if (file.endsWith('.mjs')) {
      mod = await import(url.pathToFileURL(file).href);
    } else {
      try {
        mod = require(file);
      } catch (e) {
        if (e && (e.code === 'ERR_REQUIRE_ESM' || e instanceof SyntaxError && /import|export/.test(e.message))) {
          mod = await import(url.pathToFileURL(file).href);
        } else {
          throw e;
        }
      }
    }
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND') {
      return initError('Runtime.ImportModuleError', `Error: ${e.message}`, e);
    }
    if (e instanceof SyntaxError) {
      return initError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`, e);
    }
    return initError(e && e.name ? e.name : 'Error', e && e.message ? e.message : String(e), e);
  }
  let fn = mod && mod[fnPath];
  if (fn === undefined && mod && mod.default) fn = mod.default[fnPath];
  if (typeof fn !== 'function') {
    return initError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  }
  return fn;
}

function invokeHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (r) => callback(null, r);
    context.fail = (e) => callback(e || new Error('handled'));
    try {
      const r = fn(event, context, callback);
      if (r && typeof r.then === 'function') {
        r.then((v) => callback(null, v), (e) => callback(e === undefined || e === null ? new Error(String(e)) : e));
      } else if (fn.length < 3) {
        callback(null, r);
      }
    } catch (e) {
      callback(e);
    }
  });
}

async function main() {
  patchConsole();
  const fn = await loadHandler();
  for (;;) {
    const next = await request('GET', '/invocation/next');
    if (next.status !== 200) {
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    const h = next.headers;
    const requestId = h['lambda-runtime-aws-request-id'] || '';
    currentRequestId = requestId;
    process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'] || '';
    const deadline = Number(h['lambda-runtime-deadline-ms'] || 0);
    let clientContext;
    try {
      clientContext = h['lambda-runtime-client-context'] ? JSON.parse(h['lambda-runtime-client-context']) : undefined;
    } catch (_) {
      clientContext = undefined;
    }
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext,
      identity: undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString('utf8')) : {};
    } catch (e) {
      event = next.body.toString('utf8');
    }
    try {
      const result = await invokeHandler(fn, event, context);
      const body = result === undefined ? 'null' : JSON.stringify(result);
      await post(`/invocation/${requestId}/response`, body === undefined ? 'null' : body);
    } catch (err) {
      const doc = errorDoc(err);
      process.stdout.write(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(doc)}\n`);
      await post(`/invocation/${requestId}/error`, doc, { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' });
    }
  }
}

process.on('uncaughtException', (err) => {
  process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\tERROR\tUncaught Exception \t${JSON.stringify(errorDoc(err))}\n`);
  process.exit(129);
});

main();
