#!/usr/bin/env python3
"""Count test cases from meson's logs and print 'N passed, N failed, N skipped'.

gtest-protocol tests contribute one case per gtest case (from meson's JUnit
log); a meson test that failed without reporting a failed case (a crash, a
timeout) counts as one failure more.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

logs = sys.argv[1]
passed = failed = skipped = 0
cases_failed_by_test = {}
junit = os.path.join(logs, "testlog.junit.xml")
if os.path.exists(junit):
    for suite in ET.parse(junit).getroot().iter("testsuite"):
        test = suite.get("name", "").split(".")[1] if "." in suite.get("name", "") else suite.get("name", "")
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                cases_failed_by_test[test] = True
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
results = os.path.join(logs, "testlog.json")
if os.path.exists(results):
    for line in open(results):
        r = json.loads(line)
        if r["result"] in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS") and not cases_failed_by_test.get(r["name"]):
            failed += 1
            print("failed without a failed case: %s (%s)" % (r["name"], r["result"]))
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
