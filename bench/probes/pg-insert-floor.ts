/**
 * `npx tsx bench/probes/pg-insert-floor.ts [batches] [batchSize]`: what PostgreSQL itself costs per stored message
 * on this machine, with no server of ours in the way. It creates a scratch database with the messages table's shape
 * (text ids, the same three unique indexes, the foreign key to conversations), then times multi-row INSERTs of
 * batches of 200-byte bodies (one statement, one commit per batch), with random UUID v4 ids and with time-ordered
 * (v7) ids, and drops the database. The figure bounds what any send path on PostgreSQL can reach here: see
 * docs/benchmarks.md, "Profiling". Uses TEST_PG_ADMIN_URL or postgres://postgres@127.0.0.1:5432/postgres.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { newTimeOrderedId } from '../../src/core/ids.js';

const admin = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const batches = Number(process.argv[2] ?? 60);
const size = Number(process.argv[3] ?? 200);
const name = `sc_probe_${process.pid}`;

const root = new pg.Client({ connectionString: admin });
await root.connect();
await root.query(`create database ${name}`);
const url = new URL(admin);
url.pathname = `/${name}`;
const db = new pg.Client({ connectionString: url.toString() });
try {
  await db.connect();
  await db.query(`create table conversations (id text primary key, last_seq int not null default 0)`);
  await db.query(`create table messages (
    id text primary key, conversation_id text not null references conversations(id) on delete cascade,
    seq int not null, public_seq int, author_id text, client_msg_id text, body bytea not null, created_at bigint not null,
    unique (conversation_id, seq), unique (conversation_id, public_seq), unique (conversation_id, author_id, client_msg_id))`);
  const conversations = Array.from({ length: 100 }, () => randomUUID());
  await db.query(`insert into conversations (id) select unnest($1::text[])`, [conversations]);
  let seq = 0;
  for (const [label, id] of [
    ['UUID v4 ids', randomUUID],
    ['UUID v7 ids', () => newTimeOrderedId()],
  ] as const) {
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      const rows = Array.from({ length: size }, (_, i) => ({
        id: id(),
        c: conversations[i % conversations.length],
        s: ++seq,
        a: randomUUID(),
        m: randomUUID(),
        b: randomBytes(200).toString('base64'),
      }));
      await db.query(
        `insert into messages (id, conversation_id, seq, public_seq, author_id, client_msg_id, body, created_at)
         select x->>'id', x->>'c', (x->>'s')::int, (x->>'s')::int, x->>'a', x->>'m', decode(x->>'b', 'base64'), 0
           from jsonb_array_elements($1::jsonb) x`,
        [JSON.stringify(rows)],
      );
    }
    const ms = performance.now() - t0;
    console.log(
      `${label}: ${batches} batches of ${size}: ${(ms / batches).toFixed(2)} ms per batch, ` +
        `${((ms * 1000) / batches / size).toFixed(1)} µs per message (wall, commit included)`,
    );
  }
} finally {
  await db.end();
  await root.query(`drop database if exists ${name}`);
  await root.end();
}
