-- The questions due the assistant's reply, moved out of `events` into a table of their own: a row
-- is inserted with the question and deleted with its reply. The mark used to be a column of the
-- question's event in a partial index's predicate, so clearing it could never be a heap-only
-- update: every reply copied its question's whole row (payload included) and wrote new entries
-- into its primary key and client-id indexes, which made those updates a large share of PostgreSQL's work
-- per question. No foreign key: the row lives milliseconds, and store/admin.rs deletes it with its
-- conversation. Without an index on created_at: the sweeper reads the table every few seconds,
-- and it holds only the questions in flight (and the dead rows vacuum has not yet taken, hence
-- the eager vacuum settings).
CREATE TABLE replies_due (
    conversation_id TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000);
-- The old column and its partial index stay until a later migration drops them: during a rolling
-- upgrade, instances still on the code before this one keep running (though they cannot restart:
-- they do not know this migration). They mark and clear the column, on every path but the batch
-- function below (which they call too, and which writes `replies_due`); these triggers carry
-- their marks into `replies_due`, so every instance's sweeper sees every due question. The new
-- code never writes the column: the triggers' conditions are false for its rows and nothing new
-- enters the partial index. The table is locked while the marks are copied, so no question is
-- stored between the copy and the triggers. A reply that finds its question answered or taken by a
-- person meanwhile takes it out of `replies_due` (conversations.rs).
LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE;
CREATE FUNCTION tandem_old_reply_due() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO replies_due (conversation_id, seq, created_at) VALUES (NEW.conversation_id, NEW.seq, NEW.created_at)
        ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM replies_due WHERE conversation_id = NEW.conversation_id AND seq = NEW.seq;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_old_reply_due_marked AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.reply_due = 1) EXECUTE FUNCTION tandem_old_reply_due();
CREATE TRIGGER events_old_reply_due_cleared AFTER UPDATE OF reply_due ON events
    FOR EACH ROW WHEN (OLD.reply_due = 1 AND NEW.reply_due = 0) EXECUTE FUNCTION tandem_old_reply_due();
INSERT INTO replies_due SELECT conversation_id, seq, created_at FROM events WHERE reply_due = 1;

-- tandem_append_messages as in 0006_append_batch.sql (which says what it does), writing the mark
-- into replies_due. This is now its definition.
CREATE OR REPLACE FUNCTION tandem_append_messages(batch text, channel text, instance text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    e jsonb;
    r record;
    results jsonb[] := '{}';
    past jsonb;
    found_payload text;
    found_status text;
    note text := instance;
    line text;
BEGIN
    FOR e IN SELECT value FROM jsonb_array_elements(batch::jsonb) LOOP
        IF e->>'create' IS NOT NULL THEN
            INSERT INTO conversations (id, shopper_id, merchant_id, identified, state, status, last_seq, priority, locale, created_at, updated_at)
            VALUES (e->>'id', e->>'shopper', e->>'merchant', (e->>'identified')::bigint, e->>'state', e->>'status', 0, 0,
                    e->>'locale', (e->>'created')::bigint, (e->>'created')::bigint);
            results := array_append(results, to_jsonb(true));
            CONTINUE;
        END IF;
        -- The conditions sit inside (...) IS TRUE so that the row is always found by primary key
        -- (see push_update in append.rs).
        UPDATE conversations c
           SET last_seq = c.last_seq + 1,
               updated_at = (e->>'now')::bigint,
               last_shopper_text = COALESCE(e->>'preview', c.last_shopper_text),
               last_topic = COALESCE(e->>'topic', c.last_topic)
         WHERE c.id = e->>'id'
           AND ((jsonb_typeof(e->'only_if') IS DISTINCT FROM 'array' OR c.status IN (SELECT jsonb_array_elements_text(e->'only_if')))
                AND (e->>'shopper' IS NULL OR (c.shopper_id = e->>'shopper' AND c.merchant_id = e->>'merchant'))
                AND (e->>'below_seq' IS NULL OR c.last_seq < (e->>'below_seq')::bigint)
                AND (e->>'held_by' IS NULL OR c.agent_id = e->>'held_by')
                AND (e->>'client_id' IS NULL OR NOT EXISTS (
                        SELECT 1 FROM events k WHERE k.conversation_id = e->>'id' AND k.client_id = e->>'client_id'))) IS TRUE
        RETURNING c.last_seq, c.agent_id, c.status, c.locale, c.shopper_id, c.identified INTO r;
        IF NOT FOUND THEN
            -- Why, as append.rs's why_not reads it: a repeat of the owner's own stored message,
            -- the status that refused it, or no such conversation.
            found_payload := NULL;
            IF e->>'client_id' IS NOT NULL THEN
                SELECT ev.payload INTO found_payload
                  FROM events ev JOIN conversations c ON c.id = ev.conversation_id
                 WHERE ev.conversation_id = e->>'id' AND ev.client_id = e->>'client_id'
                   AND (e->>'shopper' IS NULL OR (c.shopper_id = e->>'shopper' AND c.merchant_id = e->>'merchant'));
            END IF;
            IF found_payload IS NOT NULL THEN
                results := array_append(results, jsonb_build_object('duplicate', found_payload));
                CONTINUE;
            END IF;
            SELECT status INTO found_status FROM conversations WHERE id = e->>'id';
            IF FOUND THEN
                results := array_append(results, jsonb_build_object('refused', found_status));
            ELSE
                results := array_append(results, jsonb_build_object('missing', true));
            END IF;
            CONTINUE;
        END IF;
        INSERT INTO events (conversation_id, seq, kind, client_id, payload, created_at)
        VALUES (e->>'id', r.last_seq, 'message', e->>'client_id', (e->>'prefix') || r.last_seq::text || (e->>'suffix'),
                (e->>'now')::bigint);
        IF (e->>'question')::boolean AND r.status = 'assistant' THEN
            INSERT INTO replies_due (conversation_id, seq, created_at) VALUES (e->>'id', r.last_seq, (e->>'now')::bigint);
        END IF;
        IF e->>'answers' IS NOT NULL THEN
            DELETE FROM replies_due WHERE conversation_id = e->>'id' AND seq = (e->>'answers')::bigint;
        END IF;
        past := NULL;
        IF e->>'history' IS NOT NULL AND (e->>'question')::boolean AND r.status = 'assistant' THEN
            SELECT COALESCE(jsonb_agg(h.payload ORDER BY h.seq DESC), '[]'::jsonb) INTO past
              FROM (SELECT payload, seq FROM events
                     WHERE conversation_id = e->>'id' AND seq < r.last_seq AND kind = 'message'
                     ORDER BY seq DESC LIMIT (e->>'history')::bigint) h;
        END IF;
        results := array_append(results, jsonb_build_object(
            'seq', r.last_seq, 'agent_id', r.agent_id, 'status', r.status, 'locale', r.locale,
            'shopper_id', r.shopper_id, 'identified', r.identified, 'history', past));
        -- Notification lines as src/store/notify.rs encodes them, packed below its limit.
        line := 'e ' || (e->>'id') || ' ' || r.last_seq::text || ' ' || COALESCE(r.agent_id, '-');
        IF octet_length(note) + 1 + octet_length(line) > 7000 AND position(E'\n' IN note) > 0 THEN
            PERFORM pg_notify(channel, note);
            note := instance;
        END IF;
        note := note || E'\n' || line;
    END LOOP;
    IF position(E'\n' IN note) > 0 THEN
        PERFORM pg_notify(channel, note);
    END IF;
    RETURN array_to_json(results)::text;
END
$$;
