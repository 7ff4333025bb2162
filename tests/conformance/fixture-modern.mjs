#!/usr/bin/env node
// A MODERN (MCP 2026-07-28, stateless) server for the conformance run, hand-rolled JSON-RPC:
// no initialize; every request carries params._meta with the protocol version and the client's
// capabilities; server/discover; resultType on every result, ttlMs and cacheScope on lists and
// reads; change notifications only on a subscriptions/listen stream (acknowledged first, each
// tagged with the subscription id); server-to-client requests only as MRTR InputRequiredResults
// whose requestState is HMAC-protected.
//
// It implements what the 2026-07-28 server scenarios of @modelcontextprotocol/conformance
// 0.2.0-alpha.12 expect, written from the scenarios' descriptions and checks.
//   node fixture-modern.mjs            serves it over stdio (how mcproxy runs it)
// fixture-modern-http.mjs serves the same server statelessly over Streamable HTTP, so that the
// suite can run against it directly and a failure can be put on the fixture or on the gateway.
//
// createModernServer().handle(message, out) takes one parsed JSON-RPC message; everything the
// server says about it (notifications first, then the response; for subscriptions/listen an
// acknowledgement and then notifications until cancelled) goes to out.send(message).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const PROTOCOL_VERSION = '2026-07-28';
export const SUPPORTED_VERSIONS = [PROTOCOL_VERSION];
const SERVER_INFO = { name: 'mcproxy-conformance-fixture-modern', version: '1.0.0' };
const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
};
// JSON-RPC and MCP error codes (basic/index "Error Codes").
export const ERR = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  headerMismatch: -32020,
  missingCapability: -32021,
  unsupportedVersion: -32022,
};
const REQUEST_STATE_TTL_MS = 10 * 60 * 1000;
const LIST_TTL_MS = 0; // lists change at run time (the trigger tools), so never fresh
const READ_TTL_MS = 1000;
const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

// 1x1 red pixel PNG.
const RED_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** A valid, tiny WAV file: 8 kHz, mono, 8-bit PCM, 16 samples of a square wave. */
function tinyWav() {
  const samples = Buffer.from(Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0xc0 : 0x40)));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]).toString('base64');
}
const TINY_WAV = tinyWav();

const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {} };
const tool = (name, description, inputSchema = EMPTY_OBJECT_SCHEMA) => ({ name, description, inputSchema });
const text = (t) => ({ type: 'text', text: t });

const STATIC_TOOLS = [
  tool('test_simple_text', 'Returns a simple text response'),
  tool('test_image_content', 'Returns a 1x1 PNG image'),
  tool('test_audio_content', 'Returns a tiny WAV audio clip'),
  tool('test_embedded_resource', 'Returns an embedded text resource'),
  tool('test_multiple_content_types', 'Returns text, image and embedded resource content'),
  tool('test_tool_with_logging', 'Logs three info messages when the request sets a log level'),
  tool('test_logging_tool', 'Logs when the request sets a log level, and only then'),
  tool('test_tool_with_progress', 'Reports progress 0, 50 and 100 of 100 when given a progress token'),
  tool('test_error_handling', 'Always fails with isError: true'),
  tool('test_missing_capability', 'Needs the client capability sampling; without it: -32021'),
  tool('test_streaming_elicitation', 'Reports progress, then asks for input the MRTR way'),
  tool('test_trigger_tool_change', 'Adds or removes a tool and announces it on listen streams'),
  tool('test_trigger_prompt_change', 'Adds or removes a prompt and announces it on listen streams'),
  tool('test_trigger_resource_update', 'Changes test://watched-resource and announces it to its subscribers'),
  tool('test_input_required_result_elicitation', 'MRTR: asks for a name (elicitation)'),
  tool('test_input_required_result_sampling', 'MRTR: asks for an LLM completion (sampling)'),
  tool('test_input_required_result_list_roots', 'MRTR: asks for the client roots'),
  tool('test_input_required_result_request_state', 'MRTR: confirmation with a signed requestState'),
  tool('test_input_required_result_multiple_inputs', 'MRTR: elicitation, sampling and roots at once'),
  tool('test_input_required_result_multi_round', 'MRTR: two rounds, the state evolving'),
  tool('test_input_required_result_tampered_state', 'MRTR: rejects a requestState that fails verification'),
  tool('test_input_required_result_capabilities', 'MRTR: asks only for what the client declared'),
  {
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: {
          $anchor: 'addressDef',
          type: 'object',
          properties: { street: { type: 'string' }, city: { type: 'string' } },
        },
      },
      properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        contactMethod: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    },
  },
  {
    // streamable-http "Custom Headers from Tool Parameters": region travels as Mcp-Param-Region.
    name: 'test_custom_header',
    description: 'Echoes its region, which HTTP clients mirror into the Mcp-Param-Region header',
    inputSchema: {
      type: 'object',
      properties: {
        region: { type: 'string', description: 'Where to run', 'x-mcp-header': 'Region' },
        query: { type: 'string' },
      },
    },
  },
];
const DYNAMIC_TOOL = tool('test_dynamic_tool', 'Present every other time test_trigger_tool_change runs');

const STATIC_PROMPTS = [
  { name: 'test_simple_prompt', description: 'A simple prompt without arguments' },
  {
    name: 'test_prompt_with_arguments',
    description: 'A prompt with two required arguments',
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
  },
  {
    name: 'test_prompt_with_embedded_resource',
    description: 'A prompt that embeds a resource',
    arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
  },
  { name: 'test_prompt_with_image', description: 'A prompt with an image' },
  { name: 'test_input_required_result_prompt', description: 'MRTR: asks for context (elicitation)' },
];
const DYNAMIC_PROMPT = { name: 'test_dynamic_prompt', description: 'Present every other time test_trigger_prompt_change runs' };

const RESOURCES = [
  { uri: 'test://static-text', name: 'static-text', description: 'A static text resource', mimeType: 'text/plain' },
  {
    uri: 'test://static-binary',
    name: 'static-binary',
    description: 'A static binary resource (1x1 PNG)',
    mimeType: 'image/png',
  },
  {
    uri: 'test://watched-resource',
    name: 'watched-resource',
    description: 'A resource whose changes are announced to listen streams that subscribed to it',
    mimeType: 'text/plain',
  },
];
const TEMPLATE_RE = /^test:\/\/template\/([^/]+)\/data$/;
const RESOURCE_TEMPLATES = [
  {
    uriTemplate: 'test://template/{id}/data',
    name: 'template-data',
    description: 'A resource template whose {id} is substituted into the content',
    mimeType: 'application/json',
  },
];
const COMPLETIONS = {
  'ref/prompt:test_prompt_with_arguments:arg1': ['paris', 'park', 'party', 'test', 'testValue1'],
  'ref/prompt:test_prompt_with_arguments:arg2': ['world', 'test', 'testValue2'],
  'ref/resource:test://template/{id}/data:id': ['123', '456', '789'],
};

// Methods of the handshake era: a modern-only server does not implement them (2026-07-28
// changelog, "Remove ping, logging/setLevel"; subscriptions replaced resources/subscribe).
const REMOVED_METHODS = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

const CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  completions: {},
  logging: {},
};

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** The InputRequests of MRTR, one builder per kind. */
const ask = {
  elicit: (message, properties, required = Object.keys(properties)) => ({
    method: 'elicitation/create',
    params: { mode: 'form', message, requestedSchema: { type: 'object', properties, required } },
  }),
  sample: (prompt, maxTokens = 100) => ({
    method: 'sampling/createMessage',
    params: { messages: [{ role: 'user', content: text(prompt) }], maxTokens },
  }),
  roots: () => ({ method: 'roots/list', params: {} }),
};
// Which client capability each kind of input request needs (basic/patterns/mrtr).
const CAPABILITY_OF = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' };

/**
 * The x-mcp-header parameters of a tool: [[argument name, header suffix, type]] for the
 * annotated top-level properties of its inputSchema.
 */
export function headerParams(toolName) {
  const t = STATIC_TOOLS.find((x) => x.name === toolName);
  return Object.entries(t?.inputSchema?.properties ?? {})
    .filter(([, schema]) => typeof schema?.['x-mcp-header'] === 'string')
    .map(([name, schema]) => [name, schema['x-mcp-header'], schema.type]);
}

export function createModernServer({ secret = randomBytes(32) } = {}) {
  let dynamicToolPresent = false;
  let dynamicPromptPresent = false;
  let watchedVersion = 0;
  // Open subscriptions/listen streams: key -> {id, filter, out}.
  const listeners = new Map();
  let nextListenerKey = 0;

  // ---- requestState: base64url(JSON payload) "." base64url(HMAC-SHA256), bound to the tool,
  // to the round, and to an expiry (mrtr, "Server Requirements").
  const b64 = (buf) => Buffer.from(buf).toString('base64url');
  const sign = (payloadText) => createHmac('sha256', secret).update(payloadText).digest();
  function sealState(toolName, data) {
    const payload = b64(JSON.stringify({ tool: toolName, exp: Date.now() + REQUEST_STATE_TTL_MS, ...data }));
    return `${payload}.${b64(sign(payload))}`;
  }
  function openState(toolName, state) {
    if (state === undefined) return undefined;
    const fail = (why) => new RpcError(ERR.invalidParams, `Invalid requestState: ${why}`);
    if (typeof state !== 'string') throw fail('not a string');
    const dot = state.indexOf('.');
    if (dot <= 0) throw fail('malformed');
    const payload = state.slice(0, dot);
    const given = Buffer.from(state.slice(dot + 1), 'base64url');
    const expected = sign(payload);
    // base64url decoding ignores junk, so the signature text must also round-trip exactly.
    if (given.length !== expected.length || !timingSafeEqual(given, expected) || b64(given) !== state.slice(dot + 1)) {
      throw fail('integrity check failed');
    }
    let data;
    try {
      data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw fail('malformed payload');
    }
    if (data.tool !== toolName) throw fail(`issued for ${data.tool}, presented to ${toolName}`);
    if (typeof data.exp !== 'number' || data.exp < Date.now()) throw fail('expired');
    return data;
  }

  function complete(result) {
    return { ...result, resultType: 'complete', _meta: { ...result._meta, [META.serverInfo]: SERVER_INFO } };
  }
  function cacheable(result, ttlMs) {
    return complete({ ...result, ttlMs, cacheScope: 'public' });
  }
  function inputRequired(inputRequests, requestState) {
    const r = { resultType: 'input_required', inputRequests, _meta: { [META.serverInfo]: SERVER_INFO } };
    if (requestState !== undefined) r.requestState = requestState;
    return r;
  }

  /** The client's capabilities for this one request (they are never inferred from others). */
  const capsOf = (params) => params._meta[META.clientCapabilities] ?? {};
  function requireCapabilities(params, names) {
    const caps = capsOf(params);
    const missing = names.filter((n) => !isObject(caps[n]));
    if (missing.length) {
      throw new RpcError(
        ERR.missingCapability,
        `Missing required client capability: ${missing.join(', ')}`,
        { requiredCapabilities: Object.fromEntries(missing.map((n) => [n, {}])) },
      );
    }
  }

  /**
   * params.inputResponses: absent (undefined), or an object whose values are objects; a value
   * of another type is a protocol error (mrtr, "Error Handling").
   */
  function inputResponsesOf(params) {
    if (!('inputResponses' in params)) return {};
    const r = params.inputResponses;
    if (!isObject(r)) throw new RpcError(ERR.invalidParams, 'inputResponses must be an object');
    for (const [k, v] of Object.entries(r)) {
      if (!isObject(v)) throw new RpcError(ERR.invalidParams, `inputResponses.${k} must be an object`);
    }
    return r;
  }
  const accepted = (resp) => resp?.action === 'accept' && isObject(resp.content);
  const sampledText = (resp) => (resp?.content?.type === 'text' ? resp.content.text : undefined);

  async function log(params, out, level, data) {
    const wanted = params._meta[META.logLevel];
    if (typeof wanted !== 'string') return; // no logLevel: no notifications/message at all
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(wanted)) return;
    out.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level, logger: 'fixture-modern', data } });
  }

  function announce(kind, extra = {}) {
    // kind: the SubscriptionFilter field; for resourceSubscriptions extra.uri says which.
    const methods = {
      toolsListChanged: 'notifications/tools/list_changed',
      promptsListChanged: 'notifications/prompts/list_changed',
      resourcesListChanged: 'notifications/resources/list_changed',
      resourceSubscriptions: 'notifications/resources/updated',
    };
    for (const l of listeners.values()) {
      const wanted =
        kind === 'resourceSubscriptions'
          ? Array.isArray(l.filter.resourceSubscriptions) && l.filter.resourceSubscriptions.includes(extra.uri)
          : l.filter[kind] === true;
      if (!wanted) continue;
      const params = { ...(extra.uri ? { uri: extra.uri } : {}), _meta: { [META.subscriptionId]: l.id } };
      l.out.send({ jsonrpc: '2.0', method: methods[kind], params });
    }
  }

  // ---- tools
  async function callTool(params, out) {
    const { name } = params;
    const inputs = inputResponsesOf(params);
    const caps = capsOf(params);
    switch (name) {
      case 'test_simple_text':
        return complete({ content: [text('This is a simple text response for testing.')] });
      case 'test_image_content':
        return complete({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] });
      case 'test_audio_content':
        return complete({ content: [{ type: 'audio', data: TINY_WAV, mimeType: 'audio/wav' }] });
      case 'test_embedded_resource':
        return complete({
          content: [
            {
              type: 'resource',
              resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
            },
          ],
        });
      case 'test_multiple_content_types':
        return complete({
          content: [
            text('Multiple content types test:'),
            { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
            {
              type: 'resource',
              resource: {
                uri: 'test://mixed-content-resource',
                mimeType: 'application/json',
                text: JSON.stringify({ test: 'data', value: 123 }),
              },
            },
          ],
        });
      case 'test_tool_with_logging':
      case 'test_logging_tool':
        await log(params, out, 'info', 'Tool execution started');
        await delay(20);
        await log(params, out, 'info', 'Tool processing data');
        await delay(20);
        await log(params, out, 'info', 'Tool execution completed');
        return complete({ content: [text('Tool with logging executed successfully')] });
      case 'test_tool_with_progress': {
        const token = params._meta.progressToken;
        const steps = [0, 50, 100];
        for (let i = 0; i < steps.length; i++) {
          if (i > 0) await delay(30);
          if (token !== undefined) {
            out.send({
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: { progressToken: token, progress: steps[i], total: 100, message: `step ${i + 1} of 3` },
            });
          }
        }
        return complete({ content: [text(String(token ?? 'no progress token'))] });
      }
      case 'test_error_handling':
        return complete({ isError: true, content: [text('This tool intentionally returns an error for testing')] });
      case 'test_missing_capability':
        requireCapabilities(params, ['sampling']);
        if (inputs.llm) return complete({ content: [text(`LLM said: ${sampledText(inputs.llm) ?? '(no text)'}`)] });
        return inputRequired({ llm: ask.sample('Say something') });
      case 'test_streaming_elicitation': {
        requireCapabilities(params, ['elicitation']);
        const token = params._meta.progressToken;
        if (token !== undefined) {
          out.send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } });
        }
        if (accepted(inputs.answer)) return complete({ content: [text(`You said: ${JSON.stringify(inputs.answer.content)}`)] });
        return inputRequired({ answer: ask.elicit('Anything to add?', { note: { type: 'string' } }) });
      }
      case 'test_trigger_tool_change':
        dynamicToolPresent = !dynamicToolPresent;
        announce('toolsListChanged');
        return complete({ content: [text(`test_dynamic_tool ${dynamicToolPresent ? 'added' : 'removed'}`)] });
      case 'test_trigger_prompt_change':
        dynamicPromptPresent = !dynamicPromptPresent;
        announce('promptsListChanged');
        return complete({ content: [text(`test_dynamic_prompt ${dynamicPromptPresent ? 'added' : 'removed'}`)] });
      case 'test_trigger_resource_update':
        watchedVersion++;
        announce('resourceSubscriptions', { uri: 'test://watched-resource' });
        return complete({ content: [text(`test://watched-resource is now version ${watchedVersion}`)] });
      case 'test_dynamic_tool':
        if (!dynamicToolPresent) throw new RpcError(ERR.invalidParams, `Unknown tool: ${name}`);
        return complete({ content: [text('The dynamic tool ran.')] });

      // ---- MRTR (basic/patterns/mrtr)
      case 'test_input_required_result_elicitation': {
        requireCapabilities(params, ['elicitation']);
        if (accepted(inputs.user_name)) {
          return complete({ content: [text(`Hello, ${inputs.user_name.content.name ?? 'stranger'}!`)] });
        }
        return inputRequired({ user_name: ask.elicit('What is your name?', { name: { type: 'string' } }) });
      }
      case 'test_input_required_result_sampling': {
        requireCapabilities(params, ['sampling']);
        const answer = sampledText(inputs.capital_question);
        if (answer !== undefined) return complete({ content: [text(`Sampling result: ${answer}`)] });
        return inputRequired({ capital_question: ask.sample('What is the capital of France?') });
      }
      case 'test_input_required_result_list_roots': {
        requireCapabilities(params, ['roots']);
        const roots = inputs.client_roots?.roots;
        if (Array.isArray(roots)) {
          return complete({
            content: [text(`Found ${roots.length} root(s): ${roots.map((r) => r?.uri).join(', ')}`)],
          });
        }
        return inputRequired({ client_roots: ask.roots() });
      }
      case 'test_input_required_result_request_state':
      case 'test_input_required_result_tampered_state': {
        requireCapabilities(params, ['elicitation']);
        const state = openState(name, params.requestState);
        if (state?.step === 'confirm' && accepted(inputs.confirm)) {
          return complete({
            content: [text(`state-ok: requestState validated (issued ${new Date(state.exp - REQUEST_STATE_TTL_MS).toISOString()}), ok=${inputs.confirm.content.ok}`)],
          });
        }
        return inputRequired(
          { confirm: ask.elicit('Please confirm', { ok: { type: 'boolean' } }) },
          sealState(name, { step: 'confirm' }),
        );
      }
      case 'test_input_required_result_multiple_inputs': {
        requireCapabilities(params, ['elicitation', 'sampling', 'roots']);
        const state = openState(name, params.requestState);
        const greeting = sampledText(inputs.greeting);
        const roots = inputs.client_roots?.roots;
        if (state && accepted(inputs.user_name) && greeting !== undefined && Array.isArray(roots)) {
          return complete({
            content: [text(`Name: ${inputs.user_name.content.name}; Greeting: ${greeting}; Roots: ${roots.length}`)],
          });
        }
        // Ask again only for what is still missing (mrtr, "Error Handling").
        const wanted = {};
        if (!accepted(inputs.user_name)) wanted.user_name = ask.elicit('What is your name?', { name: { type: 'string' } });
        if (greeting === undefined) wanted.greeting = ask.sample('Generate a greeting', 50);
        if (!Array.isArray(roots)) wanted.client_roots = ask.roots();
        if (Object.keys(wanted).length === 0) {
          Object.assign(wanted, {
            user_name: ask.elicit('What is your name?', { name: { type: 'string' } }),
            greeting: ask.sample('Generate a greeting', 50),
            client_roots: ask.roots(),
          });
        }
        return inputRequired(wanted, sealState(name, { step: 'all' }));
      }
      case 'test_input_required_result_multi_round': {
        requireCapabilities(params, ['elicitation']);
        const state = openState(name, params.requestState);
        const step1 = () =>
          inputRequired(
            { step1: ask.elicit('Step 1: What is your name?', { name: { type: 'string' } }) },
            sealState(name, { round: 1 }),
          );
        if (!state) return step1();
        if (state.round === 1) {
          if (!accepted(inputs.step1)) return step1();
          return inputRequired(
            { step2: ask.elicit('Step 2: What is your favorite color?', { color: { type: 'string' } }) },
            sealState(name, { round: 2, name: String(inputs.step1.content.name ?? 'friend') }),
          );
        }
        if (state.round === 2 && accepted(inputs.step2)) {
          return complete({
            content: [text(`Multi-round complete for ${state.name} who likes ${inputs.step2.content.color}`)],
          });
        }
        return inputRequired(
          { step2: ask.elicit('Step 2: What is your favorite color?', { color: { type: 'string' } }) },
          sealState(name, { round: 2, name: state.name }),
        );
      }
      case 'test_input_required_result_capabilities': {
        // Only what the client declared (mrtr: servers MUST NOT send inputRequests the client
        // has not declared support for).
        const wanted = {};
        if (isObject(caps.elicitation) && !accepted(inputs.user_name)) {
          wanted.user_name = ask.elicit('What is your name?', { name: { type: 'string' } });
        }
        if (isObject(caps.sampling) && sampledText(inputs.summary) === undefined) {
          wanted.summary = ask.sample('Summarize the request', 50);
        }
        if (isObject(caps.roots) && !Array.isArray(inputs.client_roots?.roots)) wanted.client_roots = ask.roots();
        if (Object.keys(wanted).length) return inputRequired(wanted);
        return complete({ content: [text(`Done with: ${Object.keys(inputs).join(', ') || 'nothing'}`)] });
      }
      case 'test_custom_header':
        return complete({ content: [text(`region=${params.arguments?.region ?? '(none)'}`)] });
      case 'json_schema_2020_12_tool':
        return complete({ content: [text(`Received: ${JSON.stringify(params.arguments ?? {})}`)] });
      default:
        throw new RpcError(ERR.invalidParams, `Unknown tool: ${name}`);
    }
  }

  // ---- prompts
  function getPrompt(params) {
    const { name } = params;
    const args = params.arguments ?? {};
    switch (name) {
      case 'test_simple_prompt':
        return complete({ messages: [{ role: 'user', content: text('This is a simple prompt for testing.') }] });
      case 'test_prompt_with_arguments':
        for (const a of ['arg1', 'arg2']) {
          if (typeof args[a] !== 'string') throw new RpcError(ERR.invalidParams, `Missing argument ${a}`);
        }
        return complete({
          messages: [{ role: 'user', content: text(`Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`) }],
        });
      case 'test_prompt_with_embedded_resource':
        if (typeof args.resourceUri !== 'string') throw new RpcError(ERR.invalidParams, 'Missing argument resourceUri');
        return complete({
          messages: [
            {
              role: 'user',
              content: {
                type: 'resource',
                resource: { uri: args.resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
              },
            },
            { role: 'user', content: text('Please process the embedded resource above.') },
          ],
        });
      case 'test_prompt_with_image':
        return complete({
          messages: [
            { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' } },
            { role: 'user', content: text('Please analyze the image above.') },
          ],
        });
      case 'test_input_required_result_prompt': {
        requireCapabilities(params, ['elicitation']);
        const inputs = inputResponsesOf(params);
        if (accepted(inputs.user_context)) {
          return complete({
            messages: [{ role: 'user', content: text(`Prompt with context: ${inputs.user_context.content.context}`) }],
          });
        }
        return inputRequired({
          user_context: ask.elicit('What context should the prompt use?', { context: { type: 'string' } }),
        });
      }
      case 'test_dynamic_prompt':
        if (dynamicPromptPresent) return complete({ messages: [{ role: 'user', content: text('The dynamic prompt.') }] });
      // falls through
      default:
        throw new RpcError(ERR.invalidParams, `Unknown prompt: ${name}`);
    }
  }

  // ---- resources
  function readResource(params) {
    const { uri } = params;
    switch (uri) {
      case 'test://static-text':
        return { contents: [{ uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] };
      case 'test://static-binary':
        return { contents: [{ uri, mimeType: 'image/png', blob: RED_PIXEL_PNG }] };
      case 'test://watched-resource':
        return { contents: [{ uri, mimeType: 'text/plain', text: `The watched resource, version ${watchedVersion}.` }] };
      default: {
        const m = TEMPLATE_RE.exec(String(uri));
        if (m) {
          const id = decodeURIComponent(m[1]);
          return {
            contents: [
              { uri, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) },
            ],
          };
        }
        // 2026-07-28: -32602 with the uri in data (SEP-2164), no longer -32002.
        throw new RpcError(ERR.invalidParams, 'Resource not found', { uri });
      }
    }
  }

  function complete_(params) {
    const { ref, argument } = params;
    if (!isObject(ref) || !isObject(argument)) throw new RpcError(ERR.invalidParams, 'ref and argument are required');
    const key = `${ref.type}:${ref.type === 'ref/prompt' ? ref.name : ref.uri}:${argument.name}`;
    const values = (COMPLETIONS[key] ?? []).filter((v) => v.startsWith(String(argument.value ?? '')));
    return complete({ completion: { values, total: values.length, hasMore: false } });
  }

  /** subscriptions/listen (basic/patterns/subscriptions): acknowledged first, then tagged notifications. */
  function listen(id, params, out) {
    const requested = isObject(params.notifications) ? params.notifications : {};
    const honored = {};
    for (const k of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged']) {
      if (requested[k] === true) honored[k] = true;
    }
    if (Array.isArray(requested.resourceSubscriptions)) {
      honored.resourceSubscriptions = requested.resourceSubscriptions.filter((u) => typeof u === 'string');
    }
    const key = ++nextListenerKey;
    listeners.set(key, { id, filter: honored, out });
    out.send({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: honored, _meta: { [META.subscriptionId]: id } },
    });
    const stop = () => listeners.delete(key);
    out.onClose?.(stop);
    return stop;
  }

  const listenerStops = new Map(); // JSON text of a listen request's id -> stop (stdio cancellation)

  /** Rejects what every modern request must carry (basic/index "_meta", versioning). */
  function checkMeta(params) {
    const meta = params?._meta;
    const missing = [META.protocolVersion, META.clientCapabilities].filter((k) => !isObject(meta) || meta[k] === undefined);
    if (missing.length) throw new RpcError(ERR.invalidParams, `Invalid params: missing _meta keys: ${missing.join(', ')}`);
    if (!isObject(meta[META.clientCapabilities])) {
      throw new RpcError(ERR.invalidParams, `Invalid params: ${META.clientCapabilities} must be an object`);
    }
    const v = meta[META.protocolVersion];
    if (typeof v !== 'string' || !SUPPORTED_VERSIONS.includes(v)) {
      throw new RpcError(ERR.unsupportedVersion, 'Unsupported protocol version', {
        supported: SUPPORTED_VERSIONS,
        requested: String(v),
      });
    }
  }

  async function dispatch(method, id, params, out) {
    if (REMOVED_METHODS.has(method)) {
      throw new RpcError(
        ERR.methodNotFound,
        method === 'initialize'
          ? `Method not found: initialize. This server speaks only MCP ${SUPPORTED_VERSIONS.join(', ')} (stateless: no initialize; send _meta on every request)`
          : `Method not found: ${method}`,
        method === 'initialize' ? { supported: SUPPORTED_VERSIONS } : undefined,
      );
    }
    const handlers = {
      'server/discover': () =>
        cacheable({ supportedVersions: SUPPORTED_VERSIONS, capabilities: CAPABILITIES, instructions: 'Conformance fixture (modern).' }, LIST_TTL_MS),
      'tools/list': () => cacheable({ tools: dynamicToolPresent ? [...STATIC_TOOLS, DYNAMIC_TOOL] : STATIC_TOOLS }, LIST_TTL_MS),
      'tools/call': () => callTool(params, out),
      'prompts/list': () => cacheable({ prompts: dynamicPromptPresent ? [...STATIC_PROMPTS, DYNAMIC_PROMPT] : STATIC_PROMPTS }, LIST_TTL_MS),
      'prompts/get': () => getPrompt(params),
      'resources/list': () => cacheable({ resources: RESOURCES }, LIST_TTL_MS),
      'resources/templates/list': () => cacheable({ resourceTemplates: RESOURCE_TEMPLATES }, LIST_TTL_MS),
      'resources/read': () => cacheable(readResource(params), READ_TTL_MS),
      'completion/complete': () => complete_(params),
    };
    if (method === 'subscriptions/listen') {
      checkMeta(params);
      listenerStops.set(JSON.stringify(id), listen(id, params, out));
      return undefined; // the answer to a listen request is the stream; it never completes here
    }
    const handler = handlers[method];
    if (!handler) throw new RpcError(ERR.methodNotFound, `Method not found: ${method}`);
    checkMeta(params);
    if (['tools/call', 'prompts/get'].includes(method) && typeof params.name !== 'string') {
      throw new RpcError(ERR.invalidParams, 'params.name must be a string');
    }
    if (method === 'resources/read' && typeof params.uri !== 'string') {
      throw new RpcError(ERR.invalidParams, 'params.uri must be a string');
    }
    return handler();
  }

  return {
    /** One JSON-RPC message; replies through out.send. Resolves when the request is answered. */
    async handle(msg, out) {
      if (!isObject(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') {
        if (isObject(msg) && ('result' in msg || 'error' in msg)) return; // a response: nothing asked
        out.send({ jsonrpc: '2.0', id: msg?.id ?? null, error: { code: ERR.invalidRequest, message: 'Invalid request' } });
        return;
      }
      if (!('id' in msg)) {
        // notifications/cancelled ends a listen stream on stdio; other notifications are ignored.
        if (msg.method === 'notifications/cancelled') {
          const key = JSON.stringify(msg.params?.requestId);
          listenerStops.get(key)?.();
          listenerStops.delete(key);
        }
        return;
      }
      try {
        const result = await dispatch(msg.method, msg.id, isObject(msg.params) ? msg.params : {}, out);
        if (result !== undefined) out.send({ jsonrpc: '2.0', id: msg.id, result });
      } catch (e) {
        if (e instanceof RpcError) {
          out.send({
            jsonrpc: '2.0',
            id: msg.id,
            error: { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) },
          });
        } else {
          out.send({ jsonrpc: '2.0', id: msg.id, error: { code: ERR.internal, message: String(e?.message ?? e) } });
        }
      }
    },
    listenerCount: () => listeners.size,
  };
}

// ---- stdio: newline-delimited JSON-RPC (basic/transports/stdio).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const server = createModernServer();
  const out = { send: (m) => process.stdout.write(`${JSON.stringify(m)}\n`) };
  let buffer = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        out.send({ jsonrpc: '2.0', id: null, error: { code: ERR.parse, message: 'Parse error' } });
        continue;
      }
      server.handle(msg, out).catch((e) => process.stderr.write(`fixture-modern: ${e?.stack ?? e}\n`));
    }
  });
  process.stdin.on('end', () => process.exit(0));
}
