// Prints one closing line that CI can read whatever the other reporters
// print: `e2e: N passed, M failed, K skipped, F flaky (status)`.

import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

export default class SummaryReporter implements Reporter {
  private readonly outcomes = new Map<string, string>();

  onTestEnd(test: TestCase, _result: TestResult): void {
    // The last result of a test decides; `outcome()` folds retries in.
    this.outcomes.set(test.id, test.outcome());
  }

  onEnd(result: FullResult): void {
    const counts = { expected: 0, unexpected: 0, skipped: 0, flaky: 0 };
    for (const outcome of this.outcomes.values()) {
      counts[outcome as keyof typeof counts] += 1;
    }
    console.log(
      `e2e: ${counts.expected} passed, ${counts.unexpected} failed, ${counts.skipped} skipped, ` +
        `${counts.flaky} flaky (${result.status})`,
    );
  }

  printsToStdio(): boolean {
    return true;
  }
}
