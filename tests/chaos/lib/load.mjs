// The load: every session keeps a few calls in flight, one after another, to random backends,
// and checks every answer that is a result against what the test server must have said (a
// reply that went to the wrong call or the wrong session shows up as a wrong result).

import { errorKind } from './session.mjs';

/** Relative weights of the operations a session performs. */
const OPS = {
  echo: 40,
  add: 12,
  'sleep-progress': 10,
  sleep: 8,
  large: 5,
  whoami: 4,
  list: 5,
  prompt: 4,
  fail: 2,
  transient: 6,
};

function textOf(result) {
  return result?.content?.find?.((c) => c.type === 'text')?.text;
}

/**
 * Records the outcome of one request in `ctx.ledger`: its answer kind, or a violation when it
 * was not answered in time, failed in the transport, or came back wrong. `check(result)`
 * returns null for a correct result, or what is wrong with it.
 */
export function judge(ctx, source, what, r, check = () => null) {
  const { ledger } = ctx;
  if (!r.answered) {
    const kind = r.why === 'deadline' ? 'unanswered' : 'transport-error';
    ledger.record(source, kind, r.ms);
    const cause = r.error?.cause ? ` (cause: ${r.error.cause.code || ''} ${r.error.cause.message || r.error.cause})` : '';
    ledger.violation(kind, `${new Date().toISOString()} ${source} ${what}: ${r.why} after ${r.ms} ms: ${r.error?.message || r.error}${cause}`,
      [r.started, r.started + r.ms]);
    return kind;
  }
  if (r.error) {
    const kind = errorKind(r.error);
    ledger.record(source, kind, r.ms);
    return kind;
  }
  if (r.rejected) {
    ledger.record(source, 'bad-answer', r.ms);
    ledger.violation('bad-answer', `${source} ${what}: the SDK refused the answer: ${r.rejected?.message}`);
    return 'bad-answer';
  }
  const problem = check(r.result);
  if (problem) {
    ledger.record(source, 'wrong-result', r.ms);
    ledger.violation('wrong-result', `${source} ${what}: ${problem}: ${JSON.stringify(r.result).slice(0, 300)}`);
    return 'wrong-result';
  }
  const kind = r.result?.isError ? 'tool-error' : 'ok';
  ledger.record(source, kind, r.ms);
  return kind;
}

/** Checks for the tools every test server has. */
export const expect = {
  text: (want) => (result) => {
    if (result.isError) return `isError result: ${textOf(result)}`;
    return textOf(result) === want ? null : `expected text ${JSON.stringify(want).slice(0, 80)}`;
  },
  echo: (want) => (result) => {
    if (result.isError) return `isError result: ${textOf(result)}`;
    if (textOf(result) !== want) return `expected echo of ${JSON.stringify(want)}`;
    return result.structuredContent?.text === want ? null : 'structuredContent.text differs';
  },
  large: (bytes) => (result) => {
    if (result.isError) return `isError result: ${textOf(result)}`;
    const t = textOf(result);
    if (typeof t !== 'string' || t.length !== bytes) return `expected ${bytes} bytes, got ${t?.length}`;
    return t[0] === 'x' && t[t.length - 1] === 'x' ? null : 'not made of x';
  },
};

async function oneOp(session, rng, ctx) {
  const op = rng.weighted(OPS);
  const server = rng.pick(ctx.stable);
  const deadlineMs = ctx.callDeadlineMs;
  const call = (name, args, check, extra = {}) =>
    session
      .request('tools/call', { name, arguments: args }, { deadlineMs, ...extra })
      .then((r) => judge(ctx, 'load', `${session.label} ${name}`, r, check));
  switch (op) {
    case 'echo': {
      const text = `${session.label}-${rng.int(0, 1e9)}`;
      return call(`${server}__echo`, { text }, expect.echo(text));
    }
    case 'add': {
      const a = rng.int(-1e6, 1e6);
      const b = rng.int(-1e6, 1e6);
      return call(`${server}__add`, { a, b }, expect.text(String(a + b)));
    }
    case 'sleep-progress': {
      const ms = rng.int(50, 600);
      return call(`${server}__sleep`, { ms }, expect.text(`slept ${ms} ms`), {
        onprogress: () => ctx.ledger.progress++,
      });
    }
    case 'sleep': {
      const ms = rng.int(0, 300);
      return call(`${server}__sleep`, { ms }, expect.text(`slept ${ms} ms`));
    }
    case 'large': {
      const bytes = rng.int(1, 256 * 1024);
      return call(`${server}__large`, { bytes }, expect.large(bytes));
    }
    case 'whoami':
      return call(`${server}__whoami`, {}, (r) => (/^\d+$/.test(textOf(r) || '') ? null : 'not a pid'));
    case 'fail': {
      const message = `planned failure ${rng.int(0, 1e6)}`;
      return call(`${server}__fail`, { message }, (r) =>
        r.isError && textOf(r) === message ? null : 'expected an isError result with our message');
    }
    case 'list': {
      const r = await session.request('tools/list', {}, { deadlineMs });
      return judge(ctx, 'load', `${session.label} tools/list`, r, (res) =>
        Array.isArray(res.tools) ? null : 'no tools array');
    }
    case 'prompt': {
      const name = `p${rng.int(0, 999)}`;
      const r = await session.request('prompts/get', { name: `${server}__greet`, arguments: { name } }, { deadlineMs });
      return judge(ctx, 'load', `${session.label} ${server}__greet`, r, (res) =>
        res.messages?.[0]?.content?.text === `Hello, ${name}!` ? null : 'wrong greeting');
    }
    case 'transient': {
      // Servers that reloads add and remove: calls race their removal (drained, or refused).
      const names = [...ctx.transients.keys()];
      if (names.length === 0) return call(`${server}__echo`, { text: 't' }, expect.echo('t'));
      const t = rng.pick(names);
      const ms = rng.int(100, 1500);
      return call(`${t}__sleep`, { ms }, expect.text(`slept ${ms} ms`));
    }
  }
  throw new Error(`unknown op ${op}`);
}

/**
 * Runs `ctx.callsPerSession` loops per session until `ctx.stopped`; resolves when all have
 * finished their last call (each call is bounded by its deadline).
 */
export function runLoad(sessions, rng, ctx) {
  const loops = [];
  sessions.forEach((session, i) => {
    for (let k = 0; k < ctx.callsPerSession; k++) {
      const r = rng.fork(i * 64 + k);
      loops.push(
        (async () => {
          while (!ctx.stopped) await oneOp(session, r, ctx);
        })(),
      );
    }
  });
  return Promise.all(loops);
}
