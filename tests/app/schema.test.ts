// The migrations are written by hand (Prisma's schema engine cannot be
// downloaded here), so this checks them against prisma/schema.prisma: every
// model's table, columns, nullability and indexes, plus Prisma's bookkeeping.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { applyMigrations } from '../../lib/server/db/migrate';
import { repoRoot } from '../support/test-database';

interface ModelShape {
  table: string;
  columns: Map<string, { nullable: boolean }>;
  indexes: string[];
}

const scalarTypes = new Set(['String', 'Int', 'BigInt', 'Boolean', 'DateTime', 'Json', 'Bytes', 'Float', 'Decimal']);

function parseSchema(text: string): ModelShape[] {
  const enums = new Set([...text.matchAll(/^enum (\w+) \{/gm)].map((m) => m[1]));
  return [...text.matchAll(/^model (\w+) \{\n([\s\S]*?)\n\}/gm)].map(([, model, body]) => {
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? model;
    const columns = new Map<string, { nullable: boolean }>();
    const fieldColumn = new Map<string, string>();
    const indexes: string[] = [];
    for (const line of body.split('\n').map((l) => l.trim())) {
      const field = /^(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/.exec(line);
      if (!field || line.startsWith('@@') || line.startsWith('//')) continue;
      const [, name, type, modifier, attributes] = field;
      // Relations are no columns; scalar lists are, nullable in SQL as Prisma Migrate writes them.
      if (!(scalarTypes.has(type) || enums.has(type))) continue;
      const column = /@map\("([^"]+)"\)/.exec(attributes)?.[1] ?? name;
      fieldColumn.set(name, column);
      columns.set(column, { nullable: modifier === '?' || modifier === '[]' });
      if (/@id\b/.test(attributes)) indexes.push(`${table}_pkey`);
      if (/@unique\b/.test(attributes)) indexes.push(`${table}_${column}_key`);
    }
    for (const [, kind, fields] of body.matchAll(/@@(id|unique|index)\(\[([^\]]+)\]/g)) {
      const names = fields.split(',').map((f) => fieldColumn.get(f.trim().replace(/\(.*\)$/, ''))!);
      indexes.push(kind === 'id' ? `${table}_pkey` : `${table}_${names.join('_')}_${kind === 'unique' ? 'key' : 'idx'}`);
    }
    return { table, columns, indexes };
  });
}

let client: pg.Client;
beforeAll(async () => {
  client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
});
afterAll(() => client.end());

const schema = readFileSync(path.join(repoRoot, 'prisma', 'schema.prisma'), 'utf8');
const models = parseSchema(schema);

test('every model of the schema is checked, and the database has no table without one', async () => {
  const declared = schema.match(/^model \w+ \{/gm) ?? [];
  expect(declared.length).toBeGreaterThan(10);
  expect(models.map((model) => model.table)).toHaveLength(declared.length);
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'`,
  );
  expect(rows.map((row) => row.table_name).sort()).toEqual(models.map((model) => model.table).sort());
});

test.each(models.map((m) => [m.table, m] as const))('table %s matches its model', async (table, model) => {
  const { rows: columns } = await client.query(
    `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
    [table],
  );
  expect(Object.fromEntries(columns.map((c) => [c.column_name, { nullable: c.is_nullable === 'YES' }]))).toEqual(
    Object.fromEntries(model.columns),
  );
  const { rows: indexes } = await client.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1`, [table]);
  expect(indexes.map((i) => i.indexname).sort()).toEqual([...new Set(model.indexes)].sort());
});

test('every migration is recorded as Prisma would record it, and applying again changes nothing', async () => {
  const dir = path.join(repoRoot, 'prisma', 'migrations');
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const { rows } = await client.query('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name');
  expect(rows.map((r) => r.migration_name)).toEqual(names);
  for (const row of rows) {
    const sql = readFileSync(path.join(dir, row.migration_name, 'migration.sql'));
    expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
    expect(row.finished_at).not.toBeNull();
  }
  expect(await applyMigrations(inject('databaseUrl'), dir)).toEqual([]);
});
