// One process of the unit tier: imports the test files named on its command line, in turn, so that node:test
// runs their tests one after another in this process (run with `--import tsx` and the reporters as options).
//
// Why one process for many files: a unit file's own tests take milliseconds, and starting node with tsx and
// loading the modules it shares with the others took 0.4-0.8 s per file, most of the tier's time. The price is
// that files share the module cache, process.env, the cwd and the umask: a test that changes one puts it back
// (hostile-inputs, scan-sarif, self and compose/project do), and a test about what a fresh process loads starts
// one (sources/docker/endpoint.test.ts).
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) {
  try {
    await import(pathToFileURL(file).href);
  } catch (err) {
    // a file that does not load (a syntax error, a throw at its top) fails as a test of its own name, and the
    // files after it still run
    test(`${file} loads`, () => {
      throw err;
    });
  }
}
