// Writes one plain line, e.g. "64 passed, 0 failed", to tmp/test-summary.txt (and stdout), so that
// CI can close its log with a count any tool can read without parsing Jest's own summary.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  onRunStart() {
    fs.rmSync(SummaryReporter.file, { force: true });
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    fs.mkdirSync(path.dirname(SummaryReporter.file), { recursive: true });
    fs.writeFileSync(SummaryReporter.file, `${line}\n`);
  }
}

SummaryReporter.file = path.resolve(__dirname, '../../tmp/test-summary.txt');

module.exports = SummaryReporter;
