import { sql, type Kysely } from 'kysely';
import { isPostgres } from './dialect.js';

/**
 * PostgreSQL: the send path's group commit in one round trip. `sc_append_messages(batch jsonb)` locks the batch's
 * conversations in id order, then (a statement of its own, so with a fresh snapshot that sees everything committed
 * before the locks were granted) judges, numbers and inserts every message and moves the counters, and answers one
 * row per message. Called outside a transaction, the call is its own transaction: one round trip, one commit.
 *
 * The rules are those of src/modules/conversations/append/append-plan.ts (same order, same codes, the same outbox
 * rows for each stored message's effects), for messages without files; batches with files take the general path.
 * Needs the outbox table (migration 2026-12-07T0100) when called, not when created. Verdicts: ok, duplicate (an earlier message with the
 * same conversation, author and client id: its row is returned), same_as (the same in this batch: `ref` is the
 * earlier item), not_found, conversation_closed, not_a_participant.
 *
 * SQLite: nothing (its group commit runs in the writer thread).
 */
const CREATE = sql`
CREATE OR REPLACE FUNCTION sc_append_messages(batch jsonb)
RETURNS TABLE (
  i int, verdict text, ref int, seq int, public_seq int, author_name text,
  dup_id text, dup_seq int, dup_public_seq int, dup_kind text, dup_author_type text, dup_author_id text,
  dup_author_name text, dup_author_title text, dup_client_msg_id text, dup_body bytea, dup_created_at bigint,
  visitor_id text, customer_id text, email text
)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM conversations c
   WHERE c.id IN (SELECT DISTINCT x->>'cid' FROM jsonb_array_elements(batch) x)
   ORDER BY c.id
   FOR UPDATE;

  RETURN QUERY
  WITH input AS (
    SELECT (x->>'i')::int AS i, x->>'id' AS id, x->>'cid' AS cid, x->>'kind' AS kind, x->>'at' AS atype,
           x->>'aid' AS aid, x->>'an' AS aname, x->>'ati' AS atitle, x->>'cm' AS cmid,
           decode(x->>'b', 'base64') AS body, (x->>'ts')::bigint AS ts, COALESCE(x->'fx', '[]'::jsonb) AS fx,
           (x->>'rt')::bigint AS rt
      FROM jsonb_array_elements(batch) x
  ),
  judged AS (
    SELECT x.*, c.display_name, c.visitor_id AS c_visitor, c.customer_id AS c_customer, c.email AS c_email,
           c.last_seq AS c_last_seq, c.last_public_seq AS c_last_public_seq,
           m.id AS m_id, m.seq AS m_seq, m.public_seq AS m_public_seq, m.kind AS m_kind, m.author_type AS m_atype,
           m.author_id AS m_aid, m.author_name AS m_aname, m.author_title AS m_atitle, m.client_msg_id AS m_cmid,
           m.body AS m_body, m.created_at AS m_ts,
           CASE WHEN x.cmid IS NULL OR x.aid IS NULL THEN x.i
                ELSE min(x.i) OVER (PARTITION BY x.cid, x.aid, x.cmid) END AS first_i,
           CASE
             WHEN c.id IS NULL THEN 'not_found'
             WHEN x.atype = 'visitor' AND (c.visitor_id IS DISTINCT FROM x.aid OR c.customer_id IS NOT NULL)
               THEN 'not_found'
             WHEN x.atype = 'customer' AND c.customer_id IS DISTINCT FROM x.aid THEN 'not_found'
             WHEN m.id IS NOT NULL THEN 'duplicate'
             WHEN c.status NOT IN ('waiting', 'active') THEN 'conversation_closed'
             WHEN x.atype = 'staff' AND NOT EXISTS (
               SELECT 1 FROM conversation_participants p WHERE p.conversation_id = x.cid AND p.user_id = x.aid
             ) THEN 'not_a_participant'
             ELSE 'ok'
           END AS first_verdict
      FROM input x
      LEFT JOIN conversations c ON c.id = x.cid
      LEFT JOIN messages m ON m.conversation_id = x.cid AND m.author_id = x.aid AND m.client_msg_id = x.cmid
  ),
  decided AS (
    SELECT j.*, CASE WHEN j.first_verdict = 'ok' AND j.first_i <> j.i THEN 'same_as' ELSE j.first_verdict END AS v
      FROM judged j
  ),
  numbered AS (
    SELECT d.*,
           d.c_last_seq + row_number() OVER w AS new_seq,
           CASE WHEN d.kind = 'note' THEN NULL
                ELSE d.c_last_public_seq + count(*) FILTER (WHERE d.kind <> 'note') OVER w END AS new_public_seq,
           CASE WHEN d.atype IN ('visitor', 'customer') THEN d.display_name ELSE d.aname END AS new_author_name
      FROM decided d
     WHERE d.v = 'ok'
    WINDOW w AS (PARTITION BY d.cid ORDER BY d.i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  ),
  inserted AS (
    INSERT INTO messages (id, conversation_id, seq, public_seq, kind, author_type, author_id, author_name,
                          author_title, client_msg_id, body, created_at)
    SELECT n.id, n.cid, n.new_seq, n.new_public_seq, n.kind, n.atype, n.aid, n.new_author_name, n.atitle, n.cmid,
           n.body, n.ts
      FROM numbered n
    RETURNING 1
  ),
  effects AS (
    INSERT INTO outbox (id, topic, payload, dedupe_key, created_at, available_at, attempts)
    SELECT gen_random_uuid()::text, f->>'t',
           json_build_object('messageId', n.id, 'conversationId', n.cid, 'at', n.rt)::text,
           (f->>'t') || ':' || n.id, n.ts, n.ts, 0
      FROM numbered n CROSS JOIN LATERAL jsonb_array_elements(n.fx) f
     WHERE NOT (f->>'e')::boolean OR n.c_email IS NOT NULL
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING 1
  ),
  counters AS (
    UPDATE conversations c
       SET last_seq = a.max_seq,
           last_public_seq = COALESCE(a.max_public_seq, c.last_public_seq),
           last_message_at = a.last_ts,
           updated_at = a.last_ts,
           first_response_at = COALESCE(c.first_response_at, a.first_staff_ts),
           owner_read_seq = GREATEST(c.owner_read_seq, COALESCE(a.owner_public_seq, 0))
      FROM (SELECT n.cid, max(n.new_seq) AS max_seq, max(n.new_public_seq) AS max_public_seq,
                   (array_agg(n.ts ORDER BY n.i DESC))[1] AS last_ts,
                   (array_agg(n.ts ORDER BY n.i) FILTER (WHERE n.atype = 'staff' AND n.kind = 'text'))[1]
                     AS first_staff_ts,
                   max(n.new_public_seq) FILTER (WHERE n.atype IN ('visitor', 'customer')) AS owner_public_seq
              FROM numbered n GROUP BY n.cid) a
     WHERE c.id = a.cid
    RETURNING 1
  )
  SELECT d.i, d.v, CASE WHEN d.v = 'same_as' THEN d.first_i END, n.new_seq::int, n.new_public_seq::int,
         n.new_author_name,
         d.m_id, d.m_seq, d.m_public_seq, d.m_kind, d.m_atype, d.m_aid, d.m_aname, d.m_atitle, d.m_cmid, d.m_body,
         d.m_ts, d.c_visitor, d.c_customer, d.c_email
    FROM decided d
    LEFT JOIN numbered n ON n.i = d.i
   ORDER BY d.i;
END
$fn$`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await CREATE.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await sql`DROP FUNCTION IF EXISTS sc_append_messages(jsonb)`.execute(db);
}
