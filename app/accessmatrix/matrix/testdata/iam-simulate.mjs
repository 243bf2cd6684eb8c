// Reads a JSON array of iam-simulate Simulation objects on stdin and writes,
// for each, {"result": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"}
// or {"error": "..."} as a JSON array on stdout: the independent evaluator
// of matrix/differential_test.go, one node process for every case.
//
// @cloud-copilot/iam-simulate is AGPL-3.0: a test-only devDependency,
// never shipped and never imported by Go code.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const out = []
for (const sim of simulations) {
  try {
    const r = await runSimulation(sim, {})
    if (r.resultType === 'error') {
      out.push({ error: JSON.stringify(r.errors) })
    } else if (r.resultType === 'single') {
      out.push({ result: r.overallResult, ignored: r.result.ignoredContextKeys ?? [] })
    } else {
      out.push({ error: 'unexpected result type ' + r.resultType })
    }
  } catch (e) {
    out.push({ error: String(e && e.stack ? e.stack : e) })
  }
}
process.stdout.write(JSON.stringify(out))
