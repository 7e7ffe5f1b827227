-- The webhook body moves out of the notifications row into a table of its own.
--
-- The engine changes a notification's state twice per push (the claim: queued → dispatching with
-- a lease; the settle: → done), and SQLite rewrites the whole row for any update. With the ~1 KB
-- body inside, three or four notifications filled a 4 KB page, so every claim batch and every
-- settle batch dirtied (and wrote to the WAL, and later checkpointed) a page per three or four
-- pushes for columns that never change. Without it a notifications row is ~150 bytes, and the
-- same batches touch a page per twenty-odd rows. The body is written once (the webhook's
-- insert, same transaction), read once (the first claim) and deleted with its notification.
-- Existing rows keep their id, state, lease and times; only the body moves.
CREATE TABLE notification_payloads (
  -- notifications.id
  notification_id INTEGER PRIMARY KEY,
  -- The webhook body exactly as CometChat sent it.
  payload         TEXT    NOT NULL
);

INSERT INTO notification_payloads (notification_id, payload) SELECT id, payload FROM notifications;

ALTER TABLE notifications DROP COLUMN payload;

-- A body goes with its notification, whoever deletes it (retention, an operator's DELETE from
-- the sqlite3 shell): otherwise its space would never be freed, and a new notification that is
-- given the deleted row's id again (max(id) + 1) could not store its own body.
CREATE TRIGGER notification_payloads_follow_deletes AFTER DELETE ON notifications
BEGIN
  DELETE FROM notification_payloads WHERE notification_id = OLD.id;
END;
