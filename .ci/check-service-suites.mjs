#!/usr/bin/env node
// Fails CI unless the suites that need PostgreSQL and Redis ran and passed. Those suites skip
// themselves when their URL is unset; in CI a skip must not pass for a success.
import { readFileSync } from 'node:fs'

const SERVICES = ['PostgreSQL', 'Redis']

const reportPath = process.argv[2]
const report = JSON.parse(readFileSync(reportPath, 'utf8'))
const tests = report.testResults.flatMap((file) => file.assertionResults)

const problems = []
for (const service of SERVICES) {
  const needing = tests.filter((test) =>
    test.ancestorTitles.some((title) => /\[needs [^\]]*\]/.test(title) && title.includes(service)),
  )
  const notPassed = needing.filter((test) => test.status !== 'passed')

  if (needing.length === 0) {
    problems.push(`no test that needs ${service} was found`)
  } else if (notPassed.length > 0) {
    const examples = notPassed.slice(0, 3).map((test) => `"${test.fullName}" ${test.status}`)
    problems.push(
      `${notPassed.length} of ${needing.length} tests needing ${service} did not pass, ` +
        `e.g. ${examples.join('; ')}`,
    )
  } else {
    console.log(`check-service-suites: ${needing.length} tests needing ${service} ran and passed`)
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`check-service-suites: ${problem}`)
  process.exit(1)
}
