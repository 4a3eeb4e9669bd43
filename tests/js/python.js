'use strict';
/**
 * Run the Python reference implementation (keys/) from the JS tests, through
 * tests/js/py_envelope.py. The interpreter is $RESGUARDO_PYTHON (the pytest
 * wrapper sets it to its own sys.executable) or the project's .venv.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT } = require('./sodium.js');

const PYTHON = process.env.RESGUARDO_PYTHON || path.join(ROOT, '.venv', 'bin', 'python');
const HELPER = path.join(__dirname, 'py_envelope.py');

/** Why the Python side cannot run, or null if it can (for `{ skip }`). */
const pythonMissing = fs.existsSync(PYTHON) ? null : `no Python interpreter at ${PYTHON}`;

/**
 * Run one helper command.
 * @param {string[]} args command and arguments
 * @param {Uint8Array} [input] bytes for stdin
 * @returns {{status: number, stdout: Buffer, stderr: string}}
 */
function runPython(args, input) {
  const result = spawnSync(PYTHON, [HELPER, ...args], {
    input: input ? Buffer.from(input.buffer, input.byteOffset, input.length) : undefined,
    maxBuffer: 256 * 1024 * 1024,
    cwd: ROOT,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}

/** Like runPython, but throws unless the exit status is 0; returns stdout. */
function python(args, input) {
  const result = runPython(args, input);
  if (result.status !== 0) {
    throw new Error(`py_envelope.py ${args[0]} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const unb64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));

module.exports = { PYTHON, pythonMissing, runPython, python, b64, unb64 };
