// Preloaded (`--require`) by the test of a host with an @opentelemetry/api older than the peer range: the package resolves to one without metrics, as before 1.3.
const Module = require('node:module');
const path = require('node:path');
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveOldOtel(request, ...rest) {
  if (request === '@opentelemetry/api') return path.join(__dirname, 'old-otel-api-module.cjs');
  return resolve.call(this, request, ...rest);
};
