#!/usr/bin/env python3
"""Run every Petrel test and print one summary line.

Usage: python3 tests/run.py [--build DIR] [--unit-only | --integration-only]
                            [-k PATTERN]

Unit tests are the C programs DIR/tests/*_test (one per lib/ or daemon
module); each prints "N passed, N failed" as its last line.  Integration
tests are the Python unittest modules tests/integration/test_*.py; they
find the programs through the PETREL_BUILD environment variable.

The last line printed is "N passed, N failed, N skipped"; the exit
status is 0 only when nothing failed.
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed")


def run_unit(build, pattern):
    passed = failed = 0
    progs = sorted(glob.glob(os.path.join(build, "tests", "*_test")))
    if not progs:
        print("run: no unit test programs in %s/tests" % build)
        return 0, 1
    for prog in progs:
        name = os.path.basename(prog)
        if pattern and pattern not in name:
            continue
        start = time.monotonic()
        try:
            proc = subprocess.run([prog], cwd=ROOT, capture_output=True,
                                  text=True, errors="replace", timeout=300)
            out = proc.stdout + proc.stderr
            rc = proc.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") + "\nTIMEOUT\n"
            rc = -1
        p = f = 0
        for line in out.splitlines():
            m = SUMMARY.match(line)
            if m:
                p, f = int(m.group(1)), int(m.group(2))
        if rc != 0 and f == 0:
            f = 1               # crashed or exited non-zero without saying why
        passed += p
        failed += f
        status = "ok" if f == 0 else "FAILED"
        print("unit %-24s %3d passed, %d failed  %.1fs  %s"
              % (name, p, f, time.monotonic() - start, status))
        if f:
            for line in out.splitlines():
                if not line.startswith("ok - "):
                    print("    " + line)
        sys.stdout.flush()
    return passed, failed


class CountingResult(unittest.TextTestResult):
    pass


def run_integration(build, pattern):
    os.environ["PETREL_BUILD"] = os.path.abspath(build)
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = ["*%s*" % pattern]
    suite = loader.discover(os.path.join(ROOT, "tests", "integration"),
                            pattern="test_*.py",
                            top_level_dir=os.path.join(ROOT, "tests",
                                                       "integration"))
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2,
                                     resultclass=CountingResult)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + \
        len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    return passed, failed, skipped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("--integration-only", action="store_true")
    ap.add_argument("-k", dest="pattern", default=None)
    args = ap.parse_args()
    os.chdir(ROOT)

    passed = failed = skipped = 0
    if not args.integration_only:
        p, f = run_unit(args.build, args.pattern)
        passed += p
        failed += f
    if not args.unit_only:
        p, f, s = run_integration(args.build, args.pattern)
        passed += p
        failed += f
        skipped += s
    sys.stdout.flush()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
