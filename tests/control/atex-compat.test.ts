/**
 * atex compatibility: every control-stream situation of atex's
 * tests/executor/fmf/ (RHSecurityCompliance/atex), run through
 * AttemptRecorder and compared with the artifacts atex writes.
 *
 * Which atex test each case mirrors (the scenario table is in
 * atex-scenarios.ts, one entry per test, named after it):
 *
 * test_results.py (all 47):
 *   test_noresult_pass, test_noresult_fail, test_noresult_abort,
 *   test_trivial, test_trivial_multiline, test_trivial_repeated,
 *   test_trivial_exit_mismatch, test_trivial_abort,
 *   test_subtest, test_subtest_nested, test_subtest_no_status, test_subtest_testout,
 *   test_files, test_files_upload, test_files_subpath, test_files_multiple,
 *   test_files_multiple_results, test_files_append, test_files_subtest, test_files_sorted,
 *   test_custom_keys,
 *   test_partial, test_partial_false, test_partial_abrupt, test_partial_abrupt_nostatus,
 *   test_partial_abrupt_files, test_partial_abrupt_nofiles, test_partial_abrupt_fileonly,
 *   test_partial_abrupt_abort, test_partial_merging, test_partial_deleting,
 *   test_partial_overwriting, test_partial_subtests, test_partial_files, test_partial_files_append,
 *   test_testout, test_testout_partial, test_testout_multiple, test_testout_fallback,
 *   test_testout_fallback_partial,
 *   test_bad_json, test_empty_json, test_no_status, test_empty_files,
 *   test_no_file_data, test_some_file_data, test_empty_testout
 * test_reboot.py: test_reboot, test_reboot_count (disconnect + new stream per boot),
 *   test_reboot_unexpected (stream ends without exitcode/disconnect, the executor aborts)
 * test_misc.py: test_output (binary output.txt), test_cancel (abort note)
 *
 * Not here because they are about the remote, not the stream (the executor's
 * tests cover them): test_misc.py::test_output's ATEX_DEBUG_TEST_OUTPUT_FD half,
 * test_pty.py, test_env.py, test_cwd.py, test_pkgs.py, test_metadata.py, test_discover.py.
 *
 * The expected `results` strings were checked against atex's own Reporter and
 * TestControl fed the same streams: identical bytes, identical files/ trees.
 * Where atex raises (test_bad_json, test_no_file_data, test_some_file_data),
 * the results line has the same shape but our note says more (e.g. how many
 * bytes of which file arrived).
 */
import { describe, expect, it } from 'vitest';
import { atexScenarios } from './atex-scenarios';
import { asStrings, runAttempt, withTempDir } from './support';

const chunkings: Array<[string, readonly number[] | undefined]> = [
  ['whole', undefined],
  ['byte by byte', [1]],
  ['uneven chunks', [3, 1, 7, 2, 64, 5]],
];

describe.each(chunkings)('atex executor scenarios, stream delivered %s', (_label, chunkSizes) => {
  it.each(atexScenarios.map((scenario) => [scenario.atexTest, scenario] as const))('%s', async (_name, scenario) => {
    await withTempDir(async (root) => {
      const attempt = await runAttempt(root, { ...scenario, chunkSizes });
      if (typeof scenario.results === 'string') expect(attempt.results).toBe(scenario.results);
      else expect(attempt.results).toMatch(scenario.results);
      expect(asStrings(attempt.files)).toEqual(scenario.files);
      if (scenario.streamEnds) expect(attempt.ends.map((end) => end.kind)).toEqual(scenario.streamEnds);
      expect(attempt.returned).toEqual(
        attempt.results
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      );
      expect(attempt.outside).toEqual([]);
    });
  });
});
