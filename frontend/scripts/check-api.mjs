// Checks that a running server's OpenAPI document still has every schema, field, path
// and query parameter that src/api/types.ts relies on.
//   npm run check:api -- http://127.0.0.1:8000      (or a saved file: --file openapi.json)
import { readFileSync } from 'node:fs';

const SCHEMAS = {
  UserRead: ['id', 'email', 'name', 'timezone'],
  TokenOut: ['access_token', 'token_type', 'expires_in', 'user'],
  SignupIn: ['email', 'password', 'name', 'timezone'],
  LoginIn: ['email', 'password'],
  ReminderRead: ['id', 'offset_minutes', 'at'],
  ReminderIn: ['offset_minutes', 'at'],
  RecurrenceRead: ['rrule', 'from'],
  RecurrenceIn: ['rrule', 'from'],
  TaskRead: [
    'id', 'title', 'description', 'status', 'priority', 'tags', 'due_at', 'all_day', 'timezone',
    'reminders', 'recurrence', 'series_id', 'version', 'created_at', 'updated_at', 'completed_at', 'deleted_at',
  ],
  TaskCreate: ['title', 'description', 'priority', 'tags', 'due_at', 'all_day', 'timezone', 'reminders', 'recurrence'],
  TaskUpdate: ['title', 'description', 'priority', 'tags', 'due_at', 'all_day', 'timezone', 'reminders', 'recurrence'],
  TaskPage: ['items', 'next_cursor'],
  TagRead: ['id', 'name', 'color'],
  TagWithCount: ['id', 'name', 'color', 'task_count'],
  TagCreate: ['name', 'color'],
  TagUpdate: ['name', 'color'],
};
const PATHS = {
  '/api/v1/auth/signup': ['post'],
  '/api/v1/auth/login': ['post'],
  '/api/v1/auth/logout': ['post'],
  '/api/v1/auth/me': ['get'],
  '/api/v1/tasks': ['get', 'post'],
  '/api/v1/tasks/{task_id}': ['get', 'patch', 'delete'],
  '/api/v1/tasks/{task_id}/restore': ['post'],
  '/api/v1/tasks/{task_id}/complete': ['post'],
  '/api/v1/tasks/{task_id}/reopen': ['post'],
  '/api/v1/tags': ['get', 'post'],
  '/api/v1/tags/{tag_id}': ['patch', 'delete'],
};
// Served by services that may not be deployed with this API: reported, not failed.
const OPTIONAL_PATHS = {
  '/api/v1/notifications/stream': ['get'],
  '/api/v1/audit/tasks/{task_id}': ['get'],
  '/api/v1/chat': ['post'],
};
// Schemas of those services: checked when their path is served.
const OPTIONAL_SCHEMAS = {
  '/api/v1/audit/tasks/{task_id}': {
    AuditPage: ['items', 'next_cursor'],
    AuditEntry: ['id', 'type', 'task_id', 'time', 'actor', 'changes', 'version', 'title', 'details', 'summary'],
  },
};
const LIST_PARAMS = ['q', 'status', 'priority', 'tag', 'due_before', 'due_after', 'sort', 'limit', 'cursor', 'deleted'];
const SORTS = ['due_date', '-due_date', 'priority', '-priority', 'created_at', '-created_at', 'title'];

async function load() {
  const args = process.argv.slice(2);
  const fileAt = args.indexOf('--file');
  if (fileAt >= 0) return JSON.parse(readFileSync(args[fileAt + 1], 'utf8'));
  const base = (args[0] ?? process.env.TASKFLOW_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '');
  const response = await fetch(`${base}/openapi.json`);
  if (!response.ok) throw new Error(`${base}/openapi.json answered ${response.status}`);
  return response.json();
}

function propertiesOf(doc, schema, seen = new Set()) {
  if (!schema || seen.has(schema)) return new Set();
  seen.add(schema);
  if (schema.$ref) return propertiesOf(doc, doc.components.schemas[schema.$ref.split('/').pop()], seen);
  const props = new Set(Object.keys(schema.properties ?? {}));
  for (const part of [...(schema.allOf ?? []), ...(schema.anyOf ?? [])]) {
    for (const p of propertiesOf(doc, part, seen)) props.add(p);
  }
  return props;
}

const doc = await load();
const problems = [];
const notes = [];
const schemas = doc.components?.schemas ?? {};
const served = Object.entries(OPTIONAL_SCHEMAS).filter(([path]) => doc.paths?.[path]);
for (const [name, fields] of [...Object.entries(SCHEMAS), ...served.flatMap(([, table]) => Object.entries(table))]) {
  if (!schemas[name]) {
    problems.push(`schema ${name} is missing`);
    continue;
  }
  const props = propertiesOf(doc, schemas[name]);
  for (const field of fields) if (!props.has(field)) problems.push(`schema ${name} has no field ${field}`);
}
const check = (table, out) => {
  for (const [path, methods] of Object.entries(table)) {
    for (const m of methods) if (!doc.paths?.[path]?.[m]) out.push(`${m.toUpperCase()} ${path} is missing`);
  }
};
check(PATHS, problems);
check(OPTIONAL_PATHS, notes);
const list = doc.paths?.['/api/v1/tasks']?.get;
const params = new Map((list?.parameters ?? []).map((p) => [p.name, p]));
for (const name of LIST_PARAMS) if (!params.has(name)) problems.push(`GET /api/v1/tasks has no query parameter ${name}`);
const sortSchema = params.get('sort')?.schema;
const sortEnum = JSON.stringify(sortSchema ?? {});
for (const s of SORTS) if (sortSchema && !sortEnum.includes(`"${s}"`)) problems.push(`sort does not accept ${s}`);

for (const n of notes) console.log(`note: ${n} (its service is not part of this server)`);
if (problems.length) {
  for (const p of problems) console.error(`MISMATCH: ${p}`);
  console.error(`check:api: ${problems.length} mismatch(es) between src/api/types.ts and the server`);
  process.exit(1);
}
const schemaCount = Object.keys(SCHEMAS).length + served.reduce((n, [, table]) => n + Object.keys(table).length, 0);
console.log(`check:api: ${schemaCount} schemas, ${Object.keys(PATHS).length} paths and the list query match`);
