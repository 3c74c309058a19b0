import {
  chargeSample,
  javaScriptOwner,
  parsePerfScript,
  samplesByRole,
  summarizeRoles,
} from './perf-samples';

// `perf script -F pid,ip,sym,dso` of a system-wide recording with call chains, in the layout
// perf 6.1 prints: a header with the pid, then one frame per line, innermost first.
const SCRIPT = [
  ' 101 ',
  '\t    7f56481b018b JS:*process /work/main/dist/apps/check-allowed/main.js:2055:20 (/tmp/perf-101.map)',
  '\t         14ce0dc Builtins_JSEntryTrampoline (/usr/bin/node)',
  '',
  ' 101 ',
  '\t    ffffffff8109 tcp_sendmsg ([kernel.kallsyms])',
  '\t          9d62f6 node::LibuvStreamWrap::DoTryWrite(uv_buf_t**, unsigned long*) (/usr/bin/node)',
  '\t    7f564817c373 JS:*writeOrBuffer node:internal/streams/writable:548:23 (/tmp/perf-101.map)',
  '\t    7f564817c8d1 JS:*query /work/main/node_modules/pg/lib/client.js:668:8 (/tmp/perf-101.map)',
  '',
  ' 101 ',
  '\t          fbb5f1 v8::internal::Object::SetDataProperty (/usr/bin/node)',
  '\t    7f56481a7bc1 JS:^encode /work/main/node_modules/@scope/codec/index.js:3:1 (/tmp/perf-101.map)',
  '',
  ' 101 ',
  '\t          d9af15 v8::internal::Scavenger::ScavengePage (/usr/bin/node)',
  '\t          d12e9c v8::internal::Heap::CollectGarbage (/usr/bin/node)',
  '\t    7f56481b018b JS:*process /work/main/dist/apps/check-allowed/main.js:2055:20 (/tmp/perf-101.map)',
  '',
  ' 101 ',
  '\t         1f29080 v8::internal::compiler::InstructionSelector::VisitBlock (/usr/bin/node)',
  '\t          891f5 start_thread (/usr/lib/x86_64-linux-gnu/libc.so.6)',
  '',
  ' 101 ',
  '\t    ffffffff8200 do_epoll_wait ([kernel.kallsyms])',
  '\t          14c05fb uv__io_poll (/usr/bin/node)',
  '',
  ' 202 ',
  '\t    564408476780 [unknown] (/usr/lib/postgresql/15/bin/postgres)',
  '',
  ' 303 ',
  '\t    564408476780 [unknown] (/usr/bin/other)',
  '',
].join('\n');

describe('perf samples', () => {
  const samples = parsePerfScript(SCRIPT);

  it('parses each sample with its pid and frames, innermost first', () => {
    expect(samples.map((s) => [s.pid, s.frames.length])).toEqual([
      [101, 2],
      [101, 4],
      [101, 2],
      [101, 3],
      [101, 2],
      [101, 2],
      [202, 1],
      [303, 1],
    ]);
    expect(samples[1]?.frames[0]).toEqual({ symbol: 'tcp_sendmsg', dso: '[kernel.kallsyms]' });
  });

  it('names the owner of a JavaScript frame', () => {
    expect(javaScriptOwner('JS:*query /w/node_modules/pg/lib/client.js:668:8')).toBe('pg');
    expect(javaScriptOwner('JS:^encode /w/node_modules/@scope/codec/index.js:3:1')).toBe(
      '@scope/codec',
    );
    expect(javaScriptOwner('JS:*run /work/main/dist/apps/notifier/main.js:1:1')).toBe('app');
    expect(javaScriptOwner('JS:*writeOrBuffer node:internal/streams/writable:548:23')).toBe(
      'node:internal',
    );
    expect(javaScriptOwner('JS:*emit node:events:471:44')).toBe('node:events');
    expect(javaScriptOwner('RegExp:^(\\d+)$')).toBe('js');
  });

  it('charges a sample to the innermost JavaScript, else to GC, compiler, kernel or native', () => {
    expect(samples.map(chargeSample)).toEqual([
      'app',
      // A socket write in the kernel under Node's stream code: charged to that code.
      'node:internal',
      // A V8 runtime call made by a package's code: charged to the package.
      '@scope/codec',
      // A scavenge triggered by app code is the collector's.
      '(gc)',
      '(jit compiler)',
      '(kernel)',
      '(native)',
      '(native)',
    ]);
  });

  it('groups by role, counts kernel leaves, and leaves other processes out', () => {
    const roles = samplesByRole(
      samples,
      new Map([
        [101, 'check-allowed#1'],
        [202, 'postgres'],
      ]),
    );
    expect([...roles.keys()]).toEqual(['check-allowed#1', 'postgres']);
    const worker = roles.get('check-allowed#1');
    expect(worker?.samples).toBe(6);
    expect(worker?.kernelSamples).toBe(2);
    expect(Object.fromEntries(worker?.byOwner ?? [])).toEqual({
      app: 1,
      'node:internal': 1,
      '@scope/codec': 1,
      '(gc)': 1,
      '(jit compiler)': 1,
      '(kernel)': 1,
    });
    expect(summarizeRoles(roles, 2)).toEqual([
      'check-allowed#1: 6 samples, kernel 33.3 %; app 16.7 %, node:internal 16.7 %',
      'postgres: 1 samples, kernel 0.0 %; (native) 100.0 %',
    ]);
  });
});
