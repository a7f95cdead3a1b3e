// The Node.js runtime of Nubis: speaks the Lambda Runtime API and calls the handler.
//
// No dependencies and nothing from Nubis: it runs inside the environment, exec'ed by a
// forked zygote child as `node bootstrap.js` with the function's variables. It behaves
// like Lambda's own Node.js runtime: `index.handler` exported as an async function (or
// returning a promise) or taking a callback; the same context object; errors posted as
// {errorType, errorMessage, trace}; console lines as `<time>\t<request id>\t<LEVEL>\t...`.
"use strict";

const http = require("http");
const path = require("path");
const util = require("util");
const { pathToFileURL } = require("url");

const API_VERSION = "2018-06-01";
const [HOST, PORT] = (process.env.AWS_LAMBDA_RUNTIME_API || "127.0.0.1:9001").split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const ERROR_CONTENT_TYPE = "application/vnd.aws.lambda.error+json";

function request(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port: Number(PORT), method, path: `/${API_VERSION}/runtime${urlPath}`, agent, headers },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function toError(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || "Error",
      errorMessage: err.message,
      // The runtime's own frames are not the function's: Lambda's traces start in user code.
      trace: String(err.stack || "").split("\n").filter((line) => !line.includes(__filename)),
    };
  }
  if (err !== null && typeof err === "object") {
    return { errorType: "Error", errorMessage: JSON.stringify(err), trace: [] };
  }
  return { errorType: "string", errorMessage: String(err), trace: [] };
}

function postError(urlPath, error) {
  const body = JSON.stringify(error);
  return request("POST", urlPath, body, {
    "Content-Type": ERROR_CONTENT_TYPE,
    "Lambda-Runtime-Function-Error-Type": error.errorType,
    "Content-Length": Buffer.byteLength(body),
  });
}

// --- console: Lambda's line format, with the current request id

let currentRequestId = undefined;
function patchConsole() {
  const write = (level) => (...args) => {
    const line = util.format(...args).replace(/\n/g, "\r");
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${line}\n`);
  };
  console.log = console.info = write("INFO");
  console.warn = write("WARN");
  console.error = write("ERROR");
  console.debug = write("DEBUG");
  console.trace = write("TRACE");
}

// --- handler loading, with Lambda's error types

class FaultError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

async function loadHandler() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const handlerName = process.env._HANDLER || "index.handler";
  const dot = handlerName.lastIndexOf(".");
  if (dot < 0) throw new FaultError("Runtime.MalformedHandlerName", "Bad handler");
  const moduleName = handlerName.slice(0, dot);
  const fnName = handlerName.slice(dot + 1);
  const base = path.resolve(taskRoot, moduleName);
  let mod;
  const fs = require("fs");
  try {
    if (fs.existsSync(base + ".mjs")) {
      mod = await import(pathToFileURL(base + ".mjs").href);
    } else {
      mod = require(base);
    }
  } catch (e) {
    if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes(base)) {
      throw new FaultError("Runtime.ImportModuleError", `Error: Cannot find module '${moduleName}'`);
    }
    if (e instanceof SyntaxError) throw new FaultError("Runtime.UserCodeSyntaxError", `${e.name}: ${e.message}`);
    throw e;
  }
  let fn = mod;
  for (const part of fnName.split(".")) fn = fn === undefined || fn === null ? undefined : fn[part];
  if (fn === undefined && mod && mod.default) fn = mod.default[fnName];
  if (typeof fn !== "function") {
    throw new FaultError("Runtime.HandlerNotFound", `${handlerName} is undefined or not exported`);
  }
  return fn;
}

function makeContext(headers, finish) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"] || 0);
  const env = process.env;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (err, result) => finish(err, result),
    succeed: (result) => finish(null, result),
    fail: (err) => finish(err || "handled"),
  };
  if (headers["lambda-runtime-cognito-identity"]) {
    context.identity = JSON.parse(headers["lambda-runtime-cognito-identity"]);
  }
  if (headers["lambda-runtime-client-context"]) {
    context.clientContext = JSON.parse(headers["lambda-runtime-client-context"]);
  }
  return context;
}

async function invokeOnce(handler, next) {
  const headers = next.headers;
  const requestId = headers["lambda-runtime-aws-request-id"];
  currentRequestId = requestId;
  if (headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = headers["lambda-runtime-trace-id"];
  else delete process.env._X_AMZN_TRACE_ID;
  let settled = false;
  const outcome = await new Promise((resolve) => {
    const finish = (err, result) => {
      if (settled) return;
      settled = true;
      resolve({ err, result });
    };
    try {
      const event = next.body.length ? JSON.parse(next.body.toString("utf8")) : {};
      const context = makeContext(headers, finish);
      const returned = handler(event, context, finish);
      if (returned && typeof returned.then === "function") {
        returned.then((result) => finish(null, result), (err) => finish(err === undefined || err === null ? new Error(String(err)) : err));
      } else if (handler.length < 3 && returned !== undefined) {
        finish(null, returned);
      }
    } catch (err) {
      finish(err);
    }
  });
  const base = `/invocation/${requestId}`;
  if (outcome.err !== null && outcome.err !== undefined) {
    const error = toError(outcome.err);
    console.error(`Invoke Error \t${JSON.stringify(error)}`);
    await postError(`${base}/error`, error);
    return;
  }
  const body = outcome.result === undefined ? "null" : JSON.stringify(outcome.result);
  await request("POST", `${base}/response`, body, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    const error = toError(err);
    console.error(`${error.errorType}: ${error.errorMessage}`);
    await postError("/init/error", error);
    process.exit(1);
  }
  for (;;) {
    const next = await request("GET", "/invocation/next");
    if (next.status !== 200) {
      process.stderr.write(`runtime API /next answered ${next.status}\n`);
      process.exit(1);
    }
    await invokeOnce(handler, next);
  }
}

main();
